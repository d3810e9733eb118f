package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	openapitypes "github.com/oapi-codegen/runtime/types"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// platformReceiver is the ticketing platform's endpoint on loopback: it verifies every request
// with the Standard Webhooks library and the secret the registration showed, and keeps the
// events in the order they came.
type platformReceiver struct {
	id       openapitypes.UUID
	verifier *standardwebhooks.Webhook
	since    time.Time

	mu     sync.Mutex
	got    []webhook.EventType
	ids    []string
	seen   map[string]int
	forged int // requests that did not verify
	// refusedOnce is set once the first request was answered 503.
	refusedOnce bool
}

// listenForWebhooks starts the receiver and registers it for every event type.
func listenForWebhooks(t *testing.T, sys *e2eSystem) *platformReceiver {
	t.Helper()
	r := &platformReceiver{seen: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(r.take))
	t.Cleanup(srv.Close)
	events := make([]string, len(webhook.EventTypes))
	for i, e := range webhook.EventTypes {
		events[i] = string(e)
	}
	reg, err := sys.api.RegisterWebhookWithResponse(context.Background(), apiclient.RegisterWebhookJSONRequestBody{Url: srv.URL + "/boxoffice", Events: events},
		apiclient.AdminKey(e2eAdminKey))
	if err != nil || reg.JSON201 == nil || reg.JSON201.Secret == nil {
		t.Fatalf("register the platform's webhook: %v %s", err, reg.Body)
	}
	if r.verifier, err = standardwebhooks.NewWebhook(*reg.JSON201.Secret); err != nil {
		t.Fatal(err)
	}
	r.id, r.since = reg.JSON201.WebhookId, reg.JSON201.CreatedAt
	return r
}

func (r *platformReceiver) take(w http.ResponseWriter, req *http.Request) {
	payload, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.verifier.Verify(payload, req.Header); err != nil {
		r.forged++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !r.refusedOnce { // the platform is busy once: that event is retried, the others wait behind it
		r.refusedOnce = true
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id := req.Header.Get("webhook-id")
	if r.seen[id]++; r.seen[id] == 1 { // at least once: a receiver deduplicates by the id
		r.ids = append(r.ids, id)
		var body struct{ Type webhook.EventType }
		_ = json.Unmarshal(payload, &body)
		r.got = append(r.got, body.Type)
	}
	w.WriteHeader(http.StatusNoContent)
}

// awaitEveryEvent waits until the receiver has every event the database committed since the
// registration, in the order the outbox keeps them, and checks it heard each type in want.
func (r *platformReceiver) awaitEveryEvent(t *testing.T, sys *e2eSystem, want ...webhook.EventType) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, sys.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var committed []string
	for deadline := time.Now().Add(30 * time.Second); ; {
		rows, err := conn.Query(ctx, "SELECT id::text FROM events WHERE created_at > $1 ORDER BY tx, seq", r.since)
		if err != nil {
			t.Fatal(err)
		}
		committed, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		done := slices.Equal(r.ids, committed)
		got, ids, forged := slices.Clone(r.got), slices.Clone(r.ids), r.forged
		r.mu.Unlock()
		if done || time.Now().After(deadline) {
			if !done {
				t.Fatalf("the platform got %d events %v, the database committed %d since its registration", len(ids), got, len(committed))
			}
			if forged != 0 {
				t.Fatalf("%d requests did not verify", forged)
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("the platform heard no %s among %v", w, got)
				}
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	shown, err := sys.api.ListDeliveriesWithResponse(ctx, r.id, apiclient.AdminKey(e2eAdminKey))
	if err != nil || shown.JSON200 == nil || len(*shown.JSON200) == 0 {
		t.Fatalf("the platform's deliveries: %v", err)
	}
	for _, d := range *shown.JSON200 {
		if d.Status != apiclient.DeliveryDelivered || d.Attempts < 1 || d.LastCode != 204 {
			t.Fatalf("delivery %+v, want delivered with a 204", d)
		}
	}
}

// endpoint is the receiver's endpoint id.
func (r *platformReceiver) endpoint() core.ID { return core.ID(r.id.String()) }
