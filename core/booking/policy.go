package booking

import (
	"errors"
	"time"
)

// Policy holds the operator-set rules of holds; each sale sets its own per-fan limit.
type Policy struct {
	HoldTTL time.Duration // how long a held seat waits for payment
}

// DefaultPolicy is the policy of `boxoffice dev` and the flags' defaults.
var DefaultPolicy = Policy{HoldTTL: 5 * time.Minute}

// Validate reports the first rule the policy breaks.
func (p Policy) Validate() error {
	if p.HoldTTL <= 0 {
		return errors.New("hold time must be positive")
	}
	return nil
}
