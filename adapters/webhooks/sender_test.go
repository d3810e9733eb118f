package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/boxoffice/boxoffice/adapters/webhooks"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
)

func event() webhook.Event {
	return webhook.SaleSoldOutEvent("spring-tour", mustDate("2030-09-01"), time.Now().UTC().Truncate(time.Second))
}

func mustDate(s string) core.Date {
	d, err := core.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// A receiver verifies what the sender posts with the convention's own library and the secret
// the operator was shown, and reads the event's id, type and data.
func TestAReceiverVerifiesTheSignatureWithTheConventionsLibrary(t *testing.T) {
	secret := webhook.NewSecret()
	own, err := standardwebhooks.NewWebhook(string(secret))
	if err != nil {
		t.Fatal(err)
	}
	var verifier atomic.Pointer[standardwebhooks.Webhook]
	verifier.Store(own)
	got := make(chan error, 1)
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := io.ReadAll(r.Body)
		err := verifier.Load().Verify(payload, r.Header)
		if err == nil {
			err = json.Unmarshal(payload, &body)
		}
		got <- err
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	allowed, _ := webhook.ParseDestinations("127.0.0.1")
	e := event()
	code, err := webhooks.NewSender(allowed).Send(context.Background(), webhook.Endpoint{URL: srv.URL + "/in", Secret: secret}, e, time.Now())
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("send: %d, %v", code, err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the receiver could not verify: %v", err)
	}
	data, _ := body["data"].(map[string]any)
	if body["id"] != string(e.ID) || body["type"] != "sale.sold_out" || data["sale_id"] != "spring-tour" || data["date"] != "2030-09-01" {
		t.Fatalf("the receiver read %v", body)
	}

	// Signed with another secret, the same request does not verify.
	other, _ := standardwebhooks.NewWebhook(string(webhook.NewSecret()))
	verifier.Store(other)
	if _, err := webhooks.NewSender(allowed).Send(context.Background(), webhook.Endpoint{URL: srv.URL, Secret: secret}, e, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err == nil {
		t.Fatal("a signature by another secret verified")
	}
}

// Whatever the URL, the sender connects to no loopback, private or link-local address unless
// the allow list names it: a name that resolves to one is refused when it dials.
func TestTheSenderDialsNoAddressThatIsNotAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	nothing, _ := webhook.ParseDestinations("")
	for _, url := range []string{srv.URL, "http://localhost" + port} {
		code, err := webhooks.NewSender(nothing).Send(context.Background(), webhook.Endpoint{URL: url, Secret: webhook.NewSecret()}, event(), time.Now())
		if err == nil || code != 0 || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("%s: %d, %v; want no connection, refused for its address", url, code, err)
		}
	}
	byName, _ := webhook.ParseDestinations("localhost")
	if code, err := webhooks.NewSender(byName).Send(context.Background(), webhook.Endpoint{URL: "http://localhost" + port, Secret: webhook.NewSecret()}, event(), time.Now()); err != nil || code != 200 {
		t.Errorf("an allowed name: %d, %v", code, err)
	}
}
