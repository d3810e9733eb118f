package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Endpoint is an operator's URL with the event types it wants, of one sale or of all, and the
// secret its requests are signed with.
type Endpoint struct {
	ID     core.ID
	URL    string
	Events []EventType
	// SaleID, when set, limits the endpoint to that sale's events.
	SaleID    core.SaleID
	Secret    Secret
	CreatedAt time.Time
}

// Hears reports whether the endpoint wants e: one of its types, of its sale if it names one.
func (ep Endpoint) Hears(e Event) bool {
	return slices.Contains(ep.Events, e.Type) && (ep.SaleID == "" || ep.SaleID == e.SaleID)
}

// Secret is an endpoint's signing secret as the Standard Webhooks convention writes it:
// `whsec_` and the base64 of the key, which the operator copies into the receiver.
type Secret string

// secretPrefix is the convention's prefix of a secret.
const secretPrefix = "whsec_"

// secretBytes is the key's length: 32 bytes, within the convention's 24 to 64.
const secretBytes = 32

// NewSecret is a fresh random secret.
func NewSecret() Secret {
	key := make([]byte, secretBytes)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	return Secret(secretPrefix + base64.StdEncoding.EncodeToString(key))
}

// Key is the secret's key, the HMAC's: the base64 part decoded.
func (s Secret) Key() ([]byte, error) {
	raw := string(s)
	if len(raw) > len(secretPrefix) && raw[:len(secretPrefix)] == secretPrefix {
		raw = raw[len(secretPrefix):]
	}
	return base64.StdEncoding.DecodeString(raw)
}

// EndpointRequest is what an operator asks for: a URL, the event types (at least one) and,
// optionally, a sale.
type EndpointRequest struct {
	URL    string
	Events []string
	SaleID string
}

// newEndpoint checks r against the destinations allowed and returns the endpoint it asks for,
// with a new id and secret.
func newEndpoint(r EndpointRequest, allowed Destinations, now time.Time) (Endpoint, error) {
	if err := allowed.CheckURL("url", r.URL); err != nil {
		return Endpoint{}, err
	}
	if len(r.Events) == 0 {
		return Endpoint{}, core.InvalidField("events", "name at least one event type")
	}
	ep := Endpoint{ID: core.NewID(), URL: r.URL, Secret: NewSecret(), CreatedAt: now}
	for _, name := range r.Events {
		t, err := ParseEventType("events", name)
		if err != nil {
			return Endpoint{}, err
		}
		if !slices.Contains(ep.Events, t) {
			ep.Events = append(ep.Events, t)
		}
	}
	if r.SaleID != "" {
		sale, err := core.ParseSaleID("sale_id", r.SaleID)
		if err != nil {
			return Endpoint{}, err
		}
		ep.SaleID = sale
	}
	return ep, nil
}
