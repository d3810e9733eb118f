package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// WebhookBody is an endpoint as operators see it; the secret shows only in its registration's
// answer.
type WebhookBody struct {
	WebhookID string   `json:"webhook_id" format:"uuid"`
	URL       string   `json:"url" format:"uri"`
	Events    []string `json:"events" doc:"The event types it hears."`
	SaleID    *string  `json:"sale_id,omitempty" doc:"The sale whose events alone it hears; absent: every sale's."`
	// Secret is the signing secret, in the registration's answer only.
	Secret    string    `json:"secret,omitempty" doc:"The signing secret (whsec_…), shown only in the answer to the registration: give it to the receiver, which verifies each request's webhook-signature with it by the Standard Webhooks convention."`
	CreatedAt time.Time `json:"created_at"`
}

type registerWebhookBody struct {
	URL    string   `json:"url" minLength:"1" maxLength:"2048" doc:"Where to POST the events: https to a public address, or any URL whose host is in BOXOFFICE_WEBHOOK_ALLOW." example:"https://platform.example.com/hooks/boxoffice"`
	Events []string `json:"events" minItems:"1" maxItems:"16" doc:"Event types to hear: order.paid, ticket.cancelled, ticket.checked_in, performance.cancelled, sale.state_changed, sale.sold_out, waitlist.offered." example:"[\"order.paid\",\"ticket.cancelled\"]"`
	SaleID string   `json:"sale_id,omitempty" minLength:"3" doc:"Hear only this sale's events; absent: every sale's."`
}

// WebhookInPath is the endpoint an operator's path names.
type WebhookInPath struct {
	WebhookID string `path:"webhook_id" format:"uuid" doc:"The endpoint's id, from its registration or GET /api/admin/webhooks."`
}

// DeliveryBody is one event's delivery to one endpoint.
type DeliveryBody struct {
	EventID     string              `json:"event_id" format:"uuid" doc:"The event's id: the webhook-id header of every attempt."`
	Type        string              `json:"type"`
	Status      deliveryStatusField `json:"status"`
	Attempts    int                 `json:"attempts" doc:"Attempts made so far."`
	LastCode    int                 `json:"last_code" doc:"HTTP status of the last attempt's answer; 0 when none came (or none was made)."`
	NextAttempt *time.Time          `json:"next_attempt,omitempty" doc:"When a pending delivery that failed an attempt is tried again."`
}

// deliveryStatusField is where a delivery stands.
type deliveryStatusField string

// Schema implements huma.SchemaProvider, naming the clients' constants after the delivery.
func (deliveryStatusField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Enum: []any{"pending", "delivered", "failed"},
		Description: "pending until an attempt gets a 2xx (delivered) or 24 h of retries run out (failed).",
		Extensions:  map[string]any{"x-enum-varnames": []string{"DeliveryPending", "DeliveryDelivered", "DeliveryFailed"}}}
}

type (
	webhookOutput     struct{ Body WebhookBody }
	webhooksOutput    struct{ Body []WebhookBody }
	deliveriesOutput  struct{ Body []DeliveryBody }
	registerWebhookIn struct{ Body registerWebhookBody }
	retryDeliveryIn   struct {
		WebhookInPath
		EventID string `path:"event_id" format:"uuid" doc:"The event whose failed delivery to try again."`
	}
)

const webhooksDoc = "Each event is a POST of {id, type, timestamp, data} signed by the Standard Webhooks convention " +
	"(webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>), delivered at " +
	"least once and, per endpoint, in the order the events happened; anything but a 2xx within 10 s is tried again, " +
	"first within 5 s, then doubling up to every 10 minutes, for 24 h."

// registerWebhooks registers the operators' webhook endpoints and their deliveries.
func registerWebhooks(api huma.API, o *operators) {
	const path = "/api/admin/webhooks"
	huma.Register(api, admin(huma.Operation{
		OperationID: "registerWebhook", Method: http.MethodPost, Path: path, DefaultStatus: http.StatusCreated,
		Summary:     "Register a webhook endpoint",
		Description: "The endpoint hears the events committed from now on. " + webhooksDoc + " The answer is the only place the secret shows.",
	}, http.StatusBadRequest, http.StatusServiceUnavailable), func(ctx context.Context, in *registerWebhookIn) (*webhookOutput, error) {
		ep, err := o.webhooks.Register(ctx, webhook.EndpointRequest{URL: in.Body.URL, Events: in.Body.Events, SaleID: in.Body.SaleID})
		if err != nil {
			return nil, o.webhookProblem(ctx, err)
		}
		body := webhookBody(ep)
		body.Secret = string(ep.Secret)
		return &webhookOutput{Body: body}, nil
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "listWebhooks", Method: http.MethodGet, Path: path, Summary: "List the webhook endpoints",
		Description: "Every endpoint, oldest first, without its secret.",
	}), func(ctx context.Context, _ *struct{}) (*webhooksOutput, error) {
		eps, err := o.webhooks.Endpoints(ctx)
		if err != nil {
			return nil, o.webhookProblem(ctx, err)
		}
		out := &webhooksOutput{Body: make([]WebhookBody, len(eps))}
		for i, ep := range eps {
			out.Body[i] = webhookBody(ep)
		}
		return out, nil
	})
	registerWebhook(api, o, path+"/{webhook_id}")
}

// registerWebhook registers what operators do with one endpoint.
func registerWebhook(api huma.API, o *operators, path string) {
	huma.Register(api, admin(huma.Operation{
		OperationID: "showWebhook", Method: http.MethodGet, Path: path, Summary: "Read a webhook endpoint",
	}, http.StatusBadRequest, http.StatusNotFound), func(ctx context.Context, in *WebhookInPath) (*webhookOutput, error) {
		ep, err := o.webhooks.Endpoint(ctx, pathID(in.WebhookID))
		if err != nil {
			return nil, o.webhookProblem(ctx, err)
		}
		return &webhookOutput{Body: webhookBody(ep)}, nil
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "removeWebhook", Method: http.MethodDelete, Path: path, DefaultStatus: http.StatusNoContent,
		Summary:     "Remove a webhook endpoint",
		Description: "Its deliveries stop; an attempt under way may still arrive.",
	}, http.StatusBadRequest, http.StatusNotFound), func(ctx context.Context, in *WebhookInPath) (*struct{}, error) {
		return nil, o.webhookProblem(ctx, o.webhooks.Remove(ctx, pathID(in.WebhookID)))
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "listDeliveries", Method: http.MethodGet, Path: path + "/deliveries",
		Summary:     "Read an endpoint's latest deliveries",
		Description: "Its latest 100 deliveries, newest first: the events due to it not tried yet, then those tried.",
	}, http.StatusBadRequest, http.StatusNotFound), func(ctx context.Context, in *WebhookInPath) (*deliveriesOutput, error) {
		ds, err := o.webhooks.Deliveries(ctx, pathID(in.WebhookID))
		if err != nil {
			return nil, o.webhookProblem(ctx, err)
		}
		out := &deliveriesOutput{Body: make([]DeliveryBody, len(ds))}
		for i, d := range ds {
			out.Body[i] = DeliveryBody{EventID: string(d.EventID), Type: string(d.Type), Status: deliveryStatusField(d.Status.String()),
				Attempts: d.Attempts, LastCode: d.LastCode}
			if !d.NextAttempt.IsZero() {
				next := d.NextAttempt.UTC()
				out.Body[i].NextAttempt = &next
			}
		}
		return out, nil
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "retryDelivery", Method: http.MethodPost, Path: path + "/deliveries/{event_id}/retry",
		DefaultStatus: http.StatusAccepted, Summary: "Try a failed delivery again",
		Description: "The event is delivered again before the endpoint's next events, with a fresh 24 h of retries. " +
			"409 for a delivery pending or delivered.",
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict), func(ctx context.Context, in *retryDeliveryIn) (*struct{}, error) {
		return nil, o.webhookProblem(ctx, o.webhooks.Retry(ctx, pathID(in.WebhookID), pathID(in.EventID)))
	})
}

func webhookBody(ep webhook.Endpoint) WebhookBody {
	b := WebhookBody{WebhookID: string(ep.ID), URL: ep.URL, Events: make([]string, len(ep.Events)), CreatedAt: ep.CreatedAt.UTC()}
	for i, t := range ep.Events {
		b.Events[i] = string(t)
	}
	if ep.SaleID != "" {
		sale := string(ep.SaleID)
		b.SaleID = &sale
	}
	return b
}

// webhookProblem maps the webhooks' errors, naming where to look for what is missing.
func (o *operators) webhookProblem(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webhook.ErrUnknownEndpoint):
		return huma.Error404NotFound(err.Error() + "; GET /api/admin/webhooks lists every endpoint")
	case errors.Is(err, webhook.ErrUnknownDelivery):
		return huma.Error404NotFound(err.Error() + "; GET /api/admin/webhooks/{webhook_id}/deliveries lists its deliveries")
	}
	return bodyProblem(ctx, o.logger, err)
}

// pathID is a UUID of a path in its canonical form: the router checked its format, and an id
// written in capitals names the same endpoint or event.
func pathID(raw string) core.ID {
	id, err := core.ParseID("path", raw)
	if err != nil {
		return core.ID(raw) // unknown to the store, which answers 404
	}
	return id
}
