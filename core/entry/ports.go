package entry

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store keeps what the door must remember across instances: spent solutions, joins per address
// and the access codes. Redeeming a code is the queue store's, in the transaction of the token
// it lets in (queue.Store.IssueTokenWithCode), with AccessCode.Redeemable's rule.
type Store interface {
	// SpendProof records a solution's challenge as spent until expires, and reports whether it
	// was not spent before: of racing calls with one challenge, exactly one gets true. Entries
	// past their expiry may be forgotten.
	SpendProof(ctx context.Context, challenge string, expires time.Time) (bool, error)
	// TakeQuota counts one join from address into sale in the minute window starting at
	// window, unless limit joins are counted there already; it reports whether it counted.
	// Racing calls never count past limit. Past windows may be forgotten.
	TakeQuota(ctx context.Context, sale core.SaleID, address string, window time.Time, limit int) (bool, error)
	// AddCodes stores new codes.
	AddCodes(ctx context.Context, codes []AccessCode) error
	// Codes lists a sale's codes, oldest first.
	Codes(ctx context.Context, sale core.SaleID) ([]AccessCode, error)
}

// Sales tell the door a sale's entry rules. The catalog's Directory is one.
type Sales interface {
	// Status is the sale's state and entry rules, from a copy up to a second old;
	// core.ErrUnknownSale for one that does not exist.
	Status(ctx context.Context, sale core.SaleID) (core.SaleStatus, error)
}

// Observer hears the door's refusals, for metrics.
type Observer interface {
	Refused(sale core.SaleID, why Cause)
}

// NopObserver hears nothing.
type NopObserver struct{}

// Refused implements Observer.
func (NopObserver) Refused(core.SaleID, Cause) {}
