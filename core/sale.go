package core

import "fmt"

// SaleID names a sale: a slug of 3 to 64 lowercase letters, digits and dashes, chosen by the
// operator (`boxoffice-live`). Every token, performance and reservation belongs to one sale.
type SaleID string

// SaleIDPattern is the sale id's form as a regular expression, for schemas; ParseSaleID
// checks the same.
const SaleIDPattern = "^[a-z0-9-]{3,64}$"

// ParseSaleID validates a sale id; field names the input it came from.
func ParseSaleID(field, s string) (SaleID, error) {
	if len(s) < 3 || len(s) > 64 {
		return "", InvalidField(field, "must be 3 to 64 characters long")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", InvalidField(field, "character %q at position %d is not allowed; use lowercase letters, digits and -", c, i)
		}
	}
	return SaleID(s), nil
}

// SaleState is where a sale is: draft → on_sale ↔ paused, and any → closed, which is final.
type SaleState struct{ name string }

// Sale states.
var (
	Draft  = SaleState{"draft"}   // not public, takes no tokens
	OnSale = SaleState{"on_sale"} // fans queue, are admitted, hold and pay
	Paused = SaleState{"paused"}  // the queue keeps its fans and admits nobody; no new holds
	Closed = SaleState{"closed"}  // over: no new tokens or holds
)

// ParseSaleState reads a state as the API and storage write it; field names the input.
func ParseSaleState(field, s string) (SaleState, error) {
	for _, st := range []SaleState{Draft, OnSale, Paused, Closed} {
		if st.name == s {
			return st, nil
		}
	}
	return SaleState{}, InvalidField(field, "%q is not a sale state; use draft, on_sale, paused or closed", s)
}

func (s SaleState) String() string { return s.name }

// CanBecome reports whether a sale in state s may move to next: draft → on_sale, on_sale ↔
// paused, any → closed; staying where it is changes nothing and is allowed.
func (s SaleState) CanBecome(next SaleState) error {
	switch {
	case s == next, next == Closed && s != Closed,
		s == Draft && next == OnSale, s == OnSale && next == Paused, s == Paused && next == OnSale:
		return nil
	}
	return fmt.Errorf("%w: a %s sale cannot become %s (draft → on_sale ↔ paused, any → closed)", ErrConflict, s, next)
}

// Public reports whether fans can see and queue for the sale.
func (s SaleState) Public() bool { return s == OnSale || s == Paused }

// Errors of a sale's state, which every context answers alike.
var (
	ErrUnknownSale = Classed(ErrInvalid, "no such sale")
	ErrSaleClosed  = Classed(ErrGone, "the sale has closed")
	ErrSalePaused  = Classed(ErrConflict, "the sale is paused: no seats can be held until it resumes; holds already made can be paid")
)

// SaleStatus is what the other contexts need to know of a sale: its state, and whether every
// seat of its dates to come is taken.
type SaleStatus struct {
	State   SaleState
	SoldOut bool
	// Entry is how fans may join the sale's queue.
	Entry EntryRules
}
