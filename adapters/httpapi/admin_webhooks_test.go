package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// testDestinations allow the test receiver's host over http.
var testDestinations, _ = webhook.ParseDestinations("hooks.test")

// startedCouriers record the endpoints whose deliveries were started, or fail to start any.
type startedCouriers struct {
	mu      sync.Mutex
	started []core.ID
	fail    error
}

func (c *startedCouriers) Start(_ context.Context, endpoint core.ID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.started = append(c.started, endpoint)
	return nil
}

func withCouriers(c webhook.Couriers) stackOption {
	return func(s *stack) { s.webhooks = app.WebhookPorts{Couriers: c, Destinations: testDestinations} }
}

// An operator registers an endpoint (its secret shown once, its deliveries started), reads and
// lists it without the secret, watches an event due to it, and removes it.
func TestAnOperatorRegistersAWebhookAndSeesItsDeliveries(t *testing.T) {
	couriers := &startedCouriers{}
	h := newHarness(t, withCouriers(couriers))
	var ep httpapi.WebhookBody
	h.admin(t, "POST", "/api/admin/webhooks", map[string]any{"url": "http://hooks.test/in", "events": []string{"order.paid", "order.paid", "ticket.cancelled"},
		"sale_id": string(testSale)}, 201).json(t, &ep)
	if !strings.HasPrefix(ep.Secret, "whsec_") || ep.URL != "http://hooks.test/in" || len(ep.Events) != 2 || ep.SaleID == nil || *ep.SaleID != string(testSale) {
		t.Fatalf("registered %+v", ep)
	}
	if len(couriers.started) != 1 || string(couriers.started[0]) != ep.WebhookID {
		t.Fatalf("deliveries started for %v, want the new endpoint's", couriers.started)
	}
	var shown httpapi.WebhookBody
	h.admin(t, "GET", "/api/admin/webhooks/"+strings.ToUpper(ep.WebhookID), nil, 200).json(t, &shown) // a UUID in capitals names it too
	if shown.Secret != "" || shown.WebhookID != ep.WebhookID {
		t.Fatalf("shown %+v, want it without its secret", shown)
	}
	var all []httpapi.WebhookBody
	h.admin(t, "GET", "/api/admin/webhooks", nil, 200).json(t, &all)
	if len(all) != 1 || all[0].Secret != "" {
		t.Fatalf("listed %+v", all)
	}
	h.buy(t, "ann", 1)
	var ds []httpapi.DeliveryBody
	h.admin(t, "GET", "/api/admin/webhooks/"+ep.WebhookID+"/deliveries", nil, 200).json(t, &ds)
	if len(ds) != 1 || ds[0].Type != "order.paid" || ds[0].Status != "pending" || ds[0].Attempts != 0 || ds[0].LastCode != 0 {
		t.Fatalf("deliveries %+v, want the payment's event pending", ds)
	}
	h.admin(t, "POST", "/api/admin/webhooks/"+ep.WebhookID+"/deliveries/"+ds[0].EventID+"/retry", nil, 409).problem(t)
	h.admin(t, "DELETE", "/api/admin/webhooks/"+ep.WebhookID, nil, 204)
	h.admin(t, "GET", "/api/admin/webhooks/"+ep.WebhookID, nil, 404).problem(t)
	h.admin(t, "DELETE", "/api/admin/webhooks/"+ep.WebhookID, nil, 404).problem(t)
	h.admin(t, "GET", "/api/admin/webhooks/"+ep.WebhookID+"/deliveries", nil, 404).problem(t)
}

// Every refusal of the webhooks' API says what was wrong and registers nothing.
func TestWebhookRefusals(t *testing.T) {
	couriers := &startedCouriers{}
	h := newHarness(t, withCouriers(couriers))
	for _, c := range []struct {
		name string
		body map[string]any
		says string
	}{
		{"plain http to a host not allowed", map[string]any{"url": "http://platform.example.com/in", "events": []string{"order.paid"}}, "https"},
		{"a loopback address", map[string]any{"url": "https://127.0.0.1/in", "events": []string{"order.paid"}}, "not a public address"},
		{"a private address", map[string]any{"url": "https://10.1.2.3/in", "events": []string{"order.paid"}}, "not a public address"},
		{"link-local (cloud metadata)", map[string]any{"url": "https://169.254.169.254/latest", "events": []string{"order.paid"}}, "not a public address"},
		{"localhost", map[string]any{"url": "https://localhost/in", "events": []string{"order.paid"}}, "loopback"},
		{"credentials in the URL", map[string]any{"url": "https://u:p@platform.example.com/in", "events": []string{"order.paid"}}, "credentials"},
		{"not a URL", map[string]any{"url": "platform", "events": []string{"order.paid"}}, "absolute URL"},
		{"another scheme", map[string]any{"url": "ftp://platform.example.com/in", "events": []string{"order.paid"}}, "scheme"},
		{"no events", map[string]any{"url": "https://platform.example.com/in", "events": []string{}}, "events"},
		{"an unknown event", map[string]any{"url": "https://platform.example.com/in", "events": []string{"order.refunded"}}, "not an event type"},
		{"an unknown sale", map[string]any{"url": "https://platform.example.com/in", "events": []string{"order.paid"}, "sale_id": "no-such-sale"}, "no sale"},
		{"an empty sale", map[string]any{"url": "https://platform.example.com/in", "events": []string{"order.paid"}, "sale_id": ""}, "sale_id"},
		{"a port out of range", map[string]any{"url": "https://platform.example.com:99999/in", "events": []string{"order.paid"}}, "port"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := h.admin(t, "POST", "/api/admin/webhooks", c.body, 400).problem(t)
			if !strings.Contains(strings.ToLower(p["detail"].(string)+errorsOf(p)), strings.ToLower(c.says)) {
				t.Errorf("problem %v does not say %q", p, c.says)
			}
		})
	}
	var all []httpapi.WebhookBody
	h.admin(t, "GET", "/api/admin/webhooks", nil, 200).json(t, &all)
	if len(all) != 0 || len(couriers.started) != 0 {
		t.Fatalf("refusals registered %v and started %v", all, couriers.started)
	}
	h.admin(t, "GET", "/api/admin/webhooks/not-a-uuid", nil, 400).problem(t)
	h.admin(t, "GET", "/api/admin/webhooks/"+string(core.NewID()), nil, 404).problem(t)
	h.admin(t, "POST", "/api/admin/webhooks/"+string(core.NewID())+"/deliveries/"+string(core.NewID())+"/retry", nil, 404).problem(t)
	h.expect(t, "GET", "/api/admin/webhooks", "", nil, 401).problem(t)
}

// An endpoint whose deliveries cannot start is not kept: 503, and nothing registered.
func TestAWebhookWhoseDeliveriesCannotStartIsNotKept(t *testing.T) {
	h := newHarness(t, withCouriers(&startedCouriers{fail: errors.Join(core.ErrUnavailable, errors.New("no workflow engine"))}))
	h.admin(t, "POST", "/api/admin/webhooks", map[string]any{"url": "https://platform.example.com/in", "events": []string{"order.paid"}}, 503).problem(t)
	var all []httpapi.WebhookBody
	h.admin(t, "GET", "/api/admin/webhooks", nil, 200).json(t, &all)
	if len(all) != 0 {
		t.Fatalf("kept %v", all)
	}
}

// errorsOf is the problem's per-field messages, joined.
func errorsOf(p map[string]any) string {
	var b strings.Builder
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			b.WriteString(" " + fmtAny(m["location"]) + ": " + fmtAny(m["message"]))
		}
	}
	return b.String()
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}

// A process that cannot start deliveries (no workflow engine) refuses to register, 503, after
// checking the request, and keeps nothing.
func TestAProcessWithoutCouriersRegistersNoWebhook(t *testing.T) {
	h := newHarness(t, func(s *stack) { s.webhooks = app.WebhookPorts{Destinations: testDestinations} })
	h.admin(t, "POST", "/api/admin/webhooks", map[string]any{"url": "http://platform.example.com/in", "events": []string{"order.paid"}}, 400).problem(t)
	p := h.admin(t, "POST", "/api/admin/webhooks", map[string]any{"url": "https://platform.example.com/in", "events": []string{"order.paid"}}, 503).problem(t)
	if !strings.Contains(p["detail"].(string), "deliveries cannot start") {
		t.Errorf("problem %v does not say why", p)
	}
	var all []httpapi.WebhookBody
	h.admin(t, "GET", "/api/admin/webhooks", nil, 200).json(t, &all)
	if len(all) != 0 {
		t.Fatalf("kept %v", all)
	}
}
