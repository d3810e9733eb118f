package booking

import (
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Observer hears what the booking path decided, for an operator's metrics. Its methods run on
// the request path: they must be cheap and must not block. NopObserver hears nothing.
type Observer interface {
	// HoldDecided hears each hold attempt's outcome.
	HoldDecided(sale core.SaleID, outcome Outcome)
	// PaymentDecided hears each payment's outcome and how long the fan waited for it.
	PaymentDecided(sale core.SaleID, outcome Outcome, took time.Duration)
	// HoldsReleased hears of n holds released past their deadline: by a hold's own workflow
	// (n is 1, late how long after its payment deadline) or by the sweep (late is zero: each was more
	// than OverdueHoldGrace past its payment deadline).
	HoldsReleased(by Releaser, n int, late time.Duration)
	// Refunded hears of n tickets refunded, and why.
	Refunded(sale core.SaleID, reason RefundReason, n int)
	// CheckInDecided hears each scan at a gate: won (admitted), lost (it had come in already),
	// refused or failed.
	CheckInDecided(sale core.SaleID, outcome Outcome)
}

// Outcome is how an attempt ended, as an operator counts it.
type Outcome string

const (
	OutcomeWon       Outcome = "won"        // the hold was taken, the payment made
	OutcomeLost      Outcome = "lost"       // the seat was taken (a lost race) or the hold had ended
	OutcomeNoBalance Outcome = "no_balance" // a payment the wallet could not cover
	OutcomeRefused   Outcome = "refused"    // any other answer for the caller (limit, paused, bad input)
	OutcomeFailed    Outcome = "failed"     // the machinery failed (a store or Temporal)
)

// HoldOutcomes are the outcomes a hold attempt can have: any but no_balance, since a hold takes
// no money.
func HoldOutcomes() []Outcome {
	return []Outcome{OutcomeWon, OutcomeLost, OutcomeRefused, OutcomeFailed}
}

// PaymentOutcomes are the outcomes a payment can have: every one.
func PaymentOutcomes() []Outcome {
	return []Outcome{OutcomeWon, OutcomeLost, OutcomeNoBalance, OutcomeRefused, OutcomeFailed}
}

// CheckInOutcomes are the outcomes a scan at a gate can have: any but no_balance.
func CheckInOutcomes() []Outcome {
	return []Outcome{OutcomeWon, OutcomeLost, OutcomeRefused, OutcomeFailed}
}

// OutcomeOf classifies an attempt's error.
func OutcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeWon
	case errors.Is(err, ErrSeatTaken), errors.Is(err, ErrHoldExpired), errors.As(err, new(*CheckedInError)):
		return OutcomeLost
	case errors.Is(err, wallet.ErrInsufficientBalance):
		return OutcomeNoBalance
	case errors.Is(err, core.ErrUnavailable), !core.IsDomainError(err):
		return OutcomeFailed
	}
	return OutcomeRefused
}

// Releaser says who released a hold.
type Releaser string

const (
	ReleasedByWorkflow Releaser = "workflow"
	// ReleasedBySweep: the sweep released holds a minute past their payment deadline that their
	// workflows had not.
	ReleasedBySweep Releaser = "sweep"
)

// Releasers are everyone who releases holds.
func Releasers() []Releaser { return []Releaser{ReleasedByWorkflow, ReleasedBySweep} }

// NopObserver hears nothing.
type NopObserver struct{}

func (NopObserver) HoldDecided(core.SaleID, Outcome)                   {}
func (NopObserver) PaymentDecided(core.SaleID, Outcome, time.Duration) {}
func (NopObserver) HoldsReleased(Releaser, int, time.Duration)         {}
func (NopObserver) Refunded(core.SaleID, RefundReason, int)            {}
func (NopObserver) CheckInDecided(core.SaleID, Outcome)                {}
