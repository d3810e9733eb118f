package queue

import (
	"errors"
	"fmt"
	"time"
)

// Policy holds the operator-set rules of the waiting rooms.
type Policy struct {
	// AbandonAfter: a waiting fan not seen (polling, streaming or calling) for this long is
	// skipped at admission and their token expires.
	AbandonAfter time.Duration
	// Refresh is how stale the queue counters that positions are computed from may be; zero
	// reads them on every request.
	Refresh time.Duration
	// Admission seeds the admission loop of a sale that sets none; a running one keeps its own
	// settings, which operators change.
	Admission Settings
}

// MinAbandonAfter is the shortest abandonment time: well above how late last-seen writes land.
const MinAbandonAfter = 30 * time.Second

// DefaultPolicy is the policy of `boxoffice dev` and the flags' defaults.
var DefaultPolicy = Policy{
	AbandonAfter: 2 * time.Minute, Refresh: 250 * time.Millisecond,
	Admission: Settings{AdmitRate: 50, MaxActive: 1000, Tick: time.Second, SessionTTL: 10 * time.Minute},
}

// Validate reports the first rule the policy breaks.
func (p Policy) Validate() error {
	switch {
	case p.Admission.SessionTTL <= 0:
		return errors.New("session time must be positive")
	case p.AbandonAfter < MinAbandonAfter:
		return fmt.Errorf("abandonment time must be at least %s: last-seen times are written back coalesced, seconds late", MinAbandonAfter)
	case p.Refresh < 0 || p.Refresh > 5*time.Second:
		return errors.New("queue refresh must be between 0 and 5s")
	}
	if err := p.Admission.Validate(); err != nil {
		return fmt.Errorf("admission: %w", err)
	}
	return nil
}
