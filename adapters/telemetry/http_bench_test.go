package telemetry_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/telemetry"
)

// BenchmarkHTTP is one request through the metrics middleware against the bare handler.
func BenchmarkHTTP(b *testing.B) {
	m, err := telemetry.NewMetrics()
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/token", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	for name, h := range map[string]http.Handler{"bare": mux, "metrics": m.HTTP(mux)} {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPost, "/api/token", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, req)
			}
		})
	}
}
