package wallet

import (
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// MaxCharge is the largest single top-up: 10,000,000 won.
const MaxCharge core.Amount = 10_000_000

// ParseCharge validates the amount of a top-up.
func ParseCharge(n int64) (core.Amount, error) {
	if n < 1 || core.Amount(n) > MaxCharge {
		return 0, core.InvalidField("amount", "must be a whole number of won from 1 to %d", MaxCharge)
	}
	return core.Amount(n), nil
}

// ErrInsufficientBalance is the class of a wallet that cannot cover a payment.
var ErrInsufficientBalance = core.Classed(core.ErrPaymentRequired, "insufficient balance; charge more")

// InsufficientBalanceError carries what the wallet holds and what the payment needs.
type InsufficientBalanceError struct {
	Balance core.Amount
	Needed  core.Amount
}

func (e *InsufficientBalanceError) Error() string {
	return fmt.Sprintf("balance %d is less than the %d to pay; charge at least %d", e.Balance, e.Needed, e.Needed-e.Balance)
}

// Unwrap makes the error match ErrInsufficientBalance.
func (e *InsufficientBalanceError) Unwrap() error { return ErrInsufficientBalance }

// Covers reports whether a balance pays a price: the rule every debit follows (the database
// enforces it atomically in its guarded update, WalletDebit).
func Covers(balance, price core.Amount) error {
	if balance < price {
		return &InsufficientBalanceError{Balance: balance, Needed: price}
	}
	return nil
}
