// Package webhooks carries the outbox's events to operators' endpoints over HTTP: a POST of the
// event signed by the Standard Webhooks convention with the endpoint's secret, through a dialer
// that connects only to the destinations allowed (webhook.Destinations), whatever a name
// resolves to when the request is made.
package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/boxoffice/boxoffice/core/webhook"
)

// Sender implements webhook.Sender.
type Sender struct {
	client *http.Client
}

// NewSender returns a sender that reaches only allowed destinations and gives each request
// webhook.AttemptTimeout to answer.
func NewSender(allowed webhook.Destinations) *Sender {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := &http.Transport{
		Proxy: nil, // a proxy would connect on our behalf, past the check below
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			d := *dialer
			d.Control = func(_, address string, _ syscall.RawConn) error { // the address actually dialled
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return err
				}
				return allowed.DialAllowed(host, ap.Addr())
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
	}
	return &Sender{client: &http.Client{
		Transport: transport,
		Timeout:   webhook.AttemptTimeout,
		// A redirect could lead anywhere; the endpoint's URL is the one the operator registered.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Send implements webhook.Sender: the event's body, with webhook-id (the event's id),
// webhook-timestamp (at) and webhook-signature headers.
func (s *Sender) Send(ctx context.Context, ep webhook.Endpoint, e webhook.Event, at time.Time) (int, error) {
	body, err := e.Body()
	if err != nil {
		return 0, err
	}
	key, err := ep.Secret.Key()
	if err != nil {
		return 0, fmt.Errorf("the endpoint's secret: %w", err)
	}
	signer, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		return 0, err
	}
	signature, err := signer.Sign(string(e.ID), at, body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "boxoffice-webhooks/1")
	req.Header.Set("webhook-id", string(e.ID))
	req.Header.Set("webhook-timestamp", fmt.Sprint(at.Unix()))
	req.Header.Set("webhook-signature", signature)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	return resp.StatusCode, nil
}

var _ webhook.Sender = (*Sender)(nil)
