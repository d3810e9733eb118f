package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPollHandler is the CPU one poll of a waiting token costs the edge and core (memory
// store), without the network; BenchmarkHealthzHandler is the same server's trivial endpoint.
func BenchmarkPollHandler(b *testing.B) {
	handler, _, _ := newStack(b)
	var toks []string
	for i := range 1000 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/token", bytes.NewBufferString(fmt.Sprintf(`{"user_id":"fan-%d"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		handler.ServeHTTP(rec, req)
		toks = append(toks, extractToken(b, rec.Body.Bytes()))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/token", nil)
		req.Header.Set("Authorization", "Bearer "+toks[i%len(toks)])
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
		i++
	}
}

func BenchmarkHealthzHandler(b *testing.B) {
	handler, _, _ := newStack(b)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	}
}

func extractToken(b *testing.B, raw []byte) string {
	var body struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Token == "" {
		b.Fatalf("no token in %s: %v", raw, err)
	}
	return body.Token
}
