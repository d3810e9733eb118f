package booking

import (
	"errors"
	"time"
)

// Policy holds the operator-set rules of holds.
type Policy struct {
	HoldTTL  time.Duration // how long a held seat waits for payment
	MaxHolds int           // seats one fan may hold at once
}

// DefaultPolicy is the policy of `boxoffice dev` and the flags' defaults.
var DefaultPolicy = Policy{HoldTTL: 5 * time.Minute, MaxHolds: 4}

// Validate reports the first rule the policy breaks.
func (p Policy) Validate() error {
	switch {
	case p.HoldTTL <= 0:
		return errors.New("hold time must be positive")
	case p.MaxHolds <= 0:
		return errors.New("holds per fan must be positive")
	}
	return nil
}
