package catalog

import (
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// The catalog's errors.
var (
	ErrUnknownDate    = core.Classed(core.ErrInvalid, "no performance on that date")
	ErrUnknownSeat    = core.Classed(core.ErrInvalid, "no such seat on that date")
	ErrUnknownSale    = core.ErrUnknownSale
	ErrUnknownSection = core.Classed(core.ErrInvalid, "no such section on that date")
	ErrSaleExists     = core.Classed(core.ErrConflict, "a sale with this sale_id exists already; choose another id")
	ErrDateExists     = core.Classed(core.ErrConflict, "the sale has a performance on that date already")
	ErrSalePaused     = core.ErrSalePaused
	ErrSaleClosed     = core.ErrSaleClosed
	ErrNoDefaultSale  = core.Classed(core.ErrInvalid, "no sale is on sale or paused to be the default; name one with sale_id")
	// ErrPerformanceCancelled says an operator cancelled the show: its seats are not for sale,
	// and its tickets are refunded in full.
	ErrPerformanceCancelled = core.Classed(core.ErrGone, "this performance was cancelled: its seats are not for sale, and every ticket of it is refunded in full")
)

// Operator changes that could never take effect, refused rather than answered as done.
var (
	ErrPriceNeverApplies = core.Classed(core.ErrConflict, "a new price would never apply")
	ErrLimitNeverApplies = core.Classed(core.ErrConflict, "the sale has closed: nobody can hold its seats any more, so a new max_tickets_per_fan would never apply")
)

// neverApplies is ErrPriceNeverApplies saying why.
func neverApplies(why string) error {
	return fmt.Errorf("%s, so %w", why, ErrPriceNeverApplies)
}

// CheckHoldable reports a sale whose seats cannot be held now: paused or closed (a draft one
// is not public, so unknown).
func CheckHoldable(s core.SaleState) error {
	switch s {
	case core.Paused:
		return ErrSalePaused
	case core.Closed:
		return ErrSaleClosed
	case core.Draft:
		return ErrUnknownSale
	}
	return nil
}
