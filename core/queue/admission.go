package queue

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Settings are the operator's controls of admission: the one definition the admission loop
// runs with, the admin API changes and the stores record as the settings in force.
type Settings struct {
	AdmitRate int           // fans admitted per second
	MaxActive int           // ceiling on fans admitted at once
	Tick      time.Duration // time between admission rounds
	// SessionTTL is how long an admitted fan may book; zero in the settings of a loop started
	// before sessions were the sale's, which then take the policy's.
	SessionTTL time.Duration
	// Revision counts the changes applied to the running admission loop; a store keeps the
	// settings of the highest revision it was told, whatever order the news arrives in.
	Revision int64
}

// Admission bounds: a round at least this often keeps admission smooth, and no more often than
// the floor keeps the loop's history small; the rate and the ceiling are bounded far above any
// sale, so a typo cannot admit a whole country at once.
const (
	MinAdmitTick = 100 * time.Millisecond
	MaxAdmitTick = time.Minute
	MaxAdmitRate = 100_000    // fans a second
	MaxCeiling   = 10_000_000 // fans admitted at once
)

// Validate reports the first setting the admission loop could not run with.
func (s Settings) Validate() error {
	switch {
	case s.AdmitRate <= 0 || s.AdmitRate > MaxAdmitRate:
		return core.InvalidField("admit_rate", "must be 1 to %d fans per second", MaxAdmitRate)
	case s.MaxActive <= 0 || s.MaxActive > MaxCeiling:
		return core.InvalidField("max_active", "must be 1 to %d", MaxCeiling)
	case s.Tick < MinAdmitTick || s.Tick > MaxAdmitTick:
		return core.InvalidField("tick", "must be between %s and %s", MinAdmitTick, MaxAdmitTick)
	case s.SessionTTL < 0 || s.SessionTTL > MaxSessionTTL:
		return core.InvalidField("session_ttl", "must be positive and at most %s", MaxSessionTTL)
	}
	return nil
}

// MaxSessionTTL bounds how long an admitted fan may book.
const MaxSessionTTL = 24 * time.Hour

// withDefaults fills what s leaves unset from defaults.
func (s Settings) withDefaults(defaults Settings) Settings {
	if s.AdmitRate == 0 {
		s.AdmitRate = defaults.AdmitRate
	}
	if s.MaxActive == 0 {
		s.MaxActive = defaults.MaxActive
	}
	if s.Tick == 0 {
		s.Tick = defaults.Tick
	}
	if s.SessionTTL == 0 {
		s.SessionTTL = defaults.SessionTTL
	}
	return s
}

// Batch is how many fans one round may admit: the rate over the tick, at least one.
func (s Settings) Batch() int {
	return max(1, int(float64(s.AdmitRate)*s.Tick.Seconds()))
}

// Change is what an operator changes in the settings; a nil field keeps its value.
type Change struct {
	AdmitRate  *int
	MaxActive  *int
	SessionTTL *time.Duration `json:",omitempty"`
}

// Apply returns s with the change made and its revision counted.
func (c Change) Apply(s Settings) Settings {
	if c.AdmitRate != nil {
		s.AdmitRate = *c.AdmitRate
	}
	if c.MaxActive != nil {
		s.MaxActive = *c.MaxActive
	}
	if c.SessionTTL != nil {
		s.SessionTTL = *c.SessionTTL
	}
	s.Revision++
	return s
}

// Validate reports a change no admission loop could run with. The settings' rules are about
// each field alone, so applying the change to any valid settings tells.
func (c Change) Validate() error { return c.Apply(DefaultPolicy.Admission).Validate() }

// Round is what one admission tick is asked to do.
type Round struct {
	Batch     int           // most fans to admit
	MaxActive int           // ceiling on active tokens after the round
	Session   time.Duration // session length of the fans admitted
	// AbandonedBefore: a waiting token last seen before it is skipped and expired, not admitted.
	AbandonedBefore time.Time
	Now             time.Time
}

// Room is how many fans the round may admit when active fans are in their session: the batch,
// within the ceiling.
func (r Round) Room(active int) int { return max(0, min(r.Batch, r.MaxActive-active)) }

// Abandoned reports whether a waiting fan last seen at lastSeen has left: skipped, not admitted.
func (r Round) Abandoned(lastSeen time.Time) bool { return lastSeen.Before(r.AbandonedBefore) }

// Result is what one admission tick did.
type Result struct {
	// Closed says the sale has closed: the loop has nothing more to do.
	Closed    bool
	Expired   int   // active tokens whose session ended
	Admitted  int   // waiting tokens made active, in sequence order
	Abandoned int   // waiting tokens skipped and expired because their fans left
	Drawn     int   // early tokens shuffled by the opening draw this tick
	Waiting   int64 // tokens still waiting after the round
}

// Measure is what an admission round records of itself.
type Measure struct {
	AdmitRate float64 // the measured rate, fans per second, as a moving average
	// Moved: the round admitted someone, found nobody waiting or found the queue not open.
	Moved    bool
	Settings Settings // the settings the round ran with
	At       time.Time
}
