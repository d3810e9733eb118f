package core

import "time"

// MaxPowNumber bounds a sale's proof-of-work difficulty: the largest number a fan's browser may
// have to try. At ten million a slow phone searches for several seconds.
const MaxPowNumber = 10_000_000

// EntryRules are how a sale lets fans into its waiting room: the proof of work each join costs
// and the presale during which only fans with an access code may join.
type EntryRules struct {
	// PowMaxNumber is the proof of work's difficulty: a join must find a number up to it
	// (ALTCHA's maxnumber). 0 asks for no proof.
	PowMaxNumber int64
	// PresaleUntil ends the presale; zero: the sale has none.
	PresaleUntil time.Time
}

// Presale reports whether the sale takes only fans with an access code at now.
func (r EntryRules) Presale(now time.Time) bool {
	return !r.PresaleUntil.IsZero() && now.Before(r.PresaleUntil)
}

// Validate reports rules that cannot apply at now: a difficulty out of range, or a presale
// that would already have ended.
func (r EntryRules) Validate(now time.Time) error {
	if r.PowMaxNumber < 0 || r.PowMaxNumber > MaxPowNumber {
		return InvalidField("entry.pow_max_number", "must be 0 (no proof of work) to %d", MaxPowNumber)
	}
	if !r.PresaleUntil.IsZero() && !r.PresaleUntil.After(now) {
		return InvalidField("entry.presale_until", "must be in the future; leave it out for no presale")
	}
	return nil
}
