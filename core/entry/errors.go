package entry

import (
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Cause is why a join was refused at the door, for metrics.
type Cause struct{ name string }

// Causes of refusal: a missing or bad proof of work, an address over its quota, a presale join
// without a valid code.
var (
	CauseChallenge = Cause{"challenge"}
	CauseQuota     = Cause{"quota"}
	CauseCode      = Cause{"code"}
)

func (c Cause) String() string { return c.name }

// Causes lists every cause, so a metric can show each from zero.
func Causes() []Cause { return []Cause{CauseChallenge, CauseQuota, CauseCode} }

// CauseOf says whether err is the door's refusal of a join, and for which cause.
func CauseOf(err error) (Cause, bool) {
	var proof *ProofError
	var quota *QuotaError
	var code *CodeError
	switch {
	case errors.As(err, &proof):
		return CauseChallenge, true
	case errors.As(err, &quota):
		return CauseQuota, true
	case errors.As(err, &code):
		return CauseCode, true
	}
	return Cause{}, false
}

// ProofError is a join without a proof of work the sale accepts; Reason says what was wrong
// and what to send.
type ProofError struct{ Reason string }

func (e *ProofError) Error() string { return "altcha: " + e.Reason }

// Unwrap places the error in the ErrInvalid class.
func (e *ProofError) Unwrap() error { return core.ErrInvalid }

func refuseProof(format string, args ...any) error {
	return &ProofError{Reason: fmt.Sprintf(format, args...)}
}

// ErrSpent is a solution sent again: each is good for one join.
var ErrSpent error = &ProofError{Reason: "spent: this solution was used already; solve a new challenge for each join"}

// QuotaError is a join from an address that took its quota of tokens for the sale this minute.
type QuotaError struct {
	Limit      int
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("this address has joined this sale's queue %d times this minute, its quota; retry after %d s", e.Limit, int(e.RetryAfter/time.Second))
}

// Unwrap places the error in the ErrLimited class.
func (e *QuotaError) Unwrap() error { return core.ErrLimited }

// CodeError is a presale join without a code that lets the fan in; Reason says which way.
type CodeError struct{ Reason string }

func (e *CodeError) Error() string {
	return "the sale is in presale, which takes only fans with an access code: " + e.Reason
}

// Unwrap places the error in the ErrForbidden class.
func (e *CodeError) Unwrap() error { return core.ErrForbidden }

// ErrNoProofAsked is asking for a challenge of a sale that asks for no proof of work.
var ErrNoProofAsked = core.Classed(core.ErrNotFound, "this sale asks for no proof of work: join with POST /api/token without altcha")
