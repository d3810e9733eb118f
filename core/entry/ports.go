package entry

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store keeps what the door must remember across instances: joins per address and the access
// codes. Spending a solution and redeeming a code are the queue store's, in the transaction of
// the token they let in (queue.Store.IssueTokenWithPass), with Pass's rules and
// AccessCode.Redeemable's and Readmits'.
type Store interface {
	// TakeQuota counts one join from address into sale in the minute window starting at
	// window, unless limit joins are counted there already; it reports whether it counted.
	// Racing calls never count past limit. Past windows may be forgotten.
	TakeQuota(ctx context.Context, sale core.SaleID, address string, window time.Time, limit int) (bool, error)
	// ReturnQuota takes back one join counted from address in the window, if any is.
	ReturnQuota(ctx context.Context, sale core.SaleID, address string, window time.Time) error
	// AddCodes stores new codes, a batch of NewCodes' making; codes CheckBatch refuses are
	// refused, and none is stored.
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
