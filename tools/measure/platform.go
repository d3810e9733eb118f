package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// platform is the ticketing platform's webhook receiver on loopback, for the chaos runs: it
// verifies every request with the Standard Webhooks library and the secret the registration
// showed, and keeps the ids of the events it took, each once (delivery is at least once).
type platform struct {
	id       string
	verifier *standardwebhooks.Webhook
	srv      *httptest.Server

	mu     sync.Mutex
	took   map[string]time.Time // each event's first arrival
	types  map[webhook.EventType]int
	forged int
}

// listenAsPlatform starts the receiver and registers it, through the system's first API, for
// every event type of every sale. The roles must allow loopback (BOXOFFICE_WEBHOOK_ALLOW).
func listenAsPlatform(ctx context.Context, sys *sandbox.System) (*platform, error) {
	p := &platform{took: map[string]time.Time{}, types: map[webhook.EventType]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.take))
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return nil, err
	}
	events := make([]string, len(webhook.EventTypes))
	for i, e := range webhook.EventTypes {
		events[i] = string(e)
	}
	reg, err := api.RegisterWebhookWithResponse(ctx, apiclient.RegisterWebhookJSONRequestBody{Url: p.srv.URL + "/boxoffice", Events: events},
		apiclient.AdminKey(sys.AdminKey))
	if err != nil || reg.JSON201 == nil || reg.JSON201.Secret == nil {
		p.srv.Close()
		return nil, fmt.Errorf("register the platform's webhook: %v %d %s", err, reg.StatusCode(), reg.Body)
	}
	if p.verifier, err = standardwebhooks.NewWebhook(*reg.JSON201.Secret); err != nil {
		p.srv.Close()
		return nil, err
	}
	p.id = reg.JSON201.WebhookId.String()
	return p, nil
}

func (p *platform) take(w http.ResponseWriter, r *http.Request) {
	payload, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.verifier.Verify(payload, r.Header); err != nil {
		p.forged++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var body struct{ Type webhook.EventType }
	_ = json.Unmarshal(payload, &body)
	if id := r.Header.Get("webhook-id"); p.took[id].IsZero() {
		p.took[id] = time.Now()
		p.types[body.Type]++
	}
	w.WriteHeader(http.StatusNoContent)
}

// close stops the receiver.
func (p *platform) close() { p.srv.Close() }

// awaitEveryEvent waits up to within until the receiver took every event the database
// committed since it registered, and says how many those were, by type; an error names those
// missing at the end, or a request that did not verify.
func (p *platform) awaitEveryEvent(ctx context.Context, sys *sandbox.System, within time.Duration) (map[webhook.EventType]int, error) {
	conn, err := pgx.Connect(ctx, sys.DBURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	deadline := time.Now().Add(within)
	for {
		rows, err := conn.Query(ctx, "SELECT e.id::text FROM events e, webhook_endpoints w WHERE w.id = $1 AND e.tx > w.from_tx", p.id)
		if err != nil {
			return nil, err
		}
		committed, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		missing := slices.DeleteFunc(committed, func(id string) bool { return !p.took[id].IsZero() })
		forged, types := p.forged, maps.Clone(p.types)
		p.mu.Unlock()
		switch {
		case forged > 0:
			return types, fmt.Errorf("%d webhook requests did not verify", forged)
		case len(missing) == 0:
			return types, nil
		case time.Now().After(deadline):
			return types, fmt.Errorf("%d committed events never reached the platform within %s, such as %s", len(missing), within, missing[0])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// arrivals are when each event first arrived, in no order.
func (p *platform) arrivals() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]time.Time, 0, len(p.took))
	for _, at := range p.took {
		out = append(out, at)
	}
	return out
}
