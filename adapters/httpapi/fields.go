package httpapi

import (
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
	return &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(float64(catalog.FirstSeat))}
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
