package httpapi

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Request fields whose rules are the domain's. Each type's schema, which the OpenAPI document
// publishes and huma validates requests with, is built from the constants the domain checks
// with, so the document and the domain cannot drift apart; the domain still decides.

// userIDField is a fan's user id.
type userIDField string

// Schema implements huma.SchemaProvider.
func (userIDField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(1), MaxLength: ptr(core.MaxUserIDLength), Pattern: core.UserIDPattern}
}

// saleIDField is a sale's id.
type saleIDField string

// Schema implements huma.SchemaProvider.
func (saleIDField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(3), MaxLength: ptr(64), Pattern: core.SaleIDPattern}
}

// idempotencyKeyField is the Idempotency-Key header.
type idempotencyKeyField string

// Schema implements huma.SchemaProvider.
func (idempotencyKeyField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MaxLength: ptr(core.MaxIdempotencyKeyLength), Pattern: core.IdempotencyKeyPattern}
}

// chargeField is the won a top-up adds.
type chargeField int64

// Schema implements huma.SchemaProvider.
func (chargeField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(1.0), Maximum: ptr(float64(wallet.MaxCharge))}
}

// seatField is a seat's number.
type seatField int

// Schema implements huma.SchemaProvider.
func (seatField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(float64(catalog.FirstSeat)), Maximum: ptr(float64(catalog.MaxSeats))}
}

// admitRateField is an admission rate in fans a second.
type admitRateField int

// Schema implements huma.SchemaProvider.
func (admitRateField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(1.0), Maximum: ptr(float64(queue.MaxAdmitRate))}
}

// ceilingField is a ceiling on fans admitted at once.
type ceilingField int

// Schema implements huma.SchemaProvider.
func (ceilingField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(1.0), Maximum: ptr(float64(queue.MaxCeiling))}
}

// titleField is a sale's title or its venue's name.
type titleField string

// Schema implements huma.SchemaProvider.
func (titleField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(1), MaxLength: ptr(catalog.MaxTitle)}
}

// sectionNameField is a price section's name.
type sectionNameField string

// Schema implements huma.SchemaProvider.
func (sectionNameField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(1), MaxLength: ptr(catalog.MaxSectionName)}
}

// lastSeatField is the last seat of a section, at most a performance's largest seat map.
type lastSeatField int

// Schema implements huma.SchemaProvider.
func (lastSeatField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(float64(catalog.FirstSeat)), Maximum: ptr(float64(catalog.MaxSeats))}
}

// priceField is a seat's price in won.
type priceField int64

// Schema implements huma.SchemaProvider.
func (priceField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(1.0), Maximum: ptr(float64(catalog.MaxPrice))}
}

// ticketLimitField is a sale's per-fan ticket limit.
type ticketLimitField int

// Schema implements huma.SchemaProvider.
func (ticketLimitField) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(1.0), Maximum: ptr(float64(catalog.MaxTicketsPerFan))}
}

// parseSessionTTL reads how long an admitted fan may book: an ISO 8601 duration above zero
// and at most queue.MaxSessionTTL (zero would silently mean the service's default).
func parseSessionTTL(field, raw string) (time.Duration, error) {
	ttl, err := core.ParseISODuration(field, raw)
	if err != nil {
		return 0, err
	}
	if ttl <= 0 || ttl > queue.MaxSessionTTL {
		return 0, core.InvalidField(field, "must be positive and at most %s", core.FormatISODuration(queue.MaxSessionTTL))
	}
	return ttl, nil
}
