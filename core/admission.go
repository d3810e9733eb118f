package core

import (
	"time"
)

// AdmissionSettings are the operator's controls of admission: the one definition the admission
// loop runs with, the admin API changes and the stores record as the settings in force.
type AdmissionSettings struct {
	AdmitRate int           // fans admitted per second
	MaxActive int           // ceiling on fans admitted at once
	Tick      time.Duration // time between admission rounds
	// Revision counts the changes applied to the running admission loop; a store keeps the
	// settings of the highest revision it was told, whatever order the news arrives in.
	Revision int64
}

// Admission tick bounds: a round at least this often keeps admission smooth, and no more often
// than the floor keeps the loop's history small.
const (
	MinAdmitTick = 100 * time.Millisecond
	MaxAdmitTick = time.Minute
)

// Validate reports the first setting the admission loop could not run with.
func (s AdmissionSettings) Validate() error {
	switch {
	case s.AdmitRate <= 0:
		return invalidField("admit_rate", "must be at least 1 fan per second")
	case s.MaxActive <= 0:
		return invalidField("max_active", "must be at least 1")
	case s.Tick < MinAdmitTick || s.Tick > MaxAdmitTick:
		return invalidField("tick", "must be between %s and %s", MinAdmitTick, MaxAdmitTick)
	}
	return nil
}

// Batch is how many fans one round may admit: the rate over the tick, at least one.
func (s AdmissionSettings) Batch() int {
	return max(1, int(float64(s.AdmitRate)*s.Tick.Seconds()))
}

// AdmissionChange is what an operator changes in the settings; a nil field keeps its value.
type AdmissionChange struct {
	AdmitRate *int
	MaxActive *int
}

// Apply returns s with the change made and its revision counted.
func (c AdmissionChange) Apply(s AdmissionSettings) AdmissionSettings {
	if c.AdmitRate != nil {
		s.AdmitRate = *c.AdmitRate
	}
	if c.MaxActive != nil {
		s.MaxActive = *c.MaxActive
	}
	s.Revision++
	return s
}

// Validate reports a change no admission loop could run with. The settings' rules are about
// each field alone, so applying the change to any valid settings tells.
func (c AdmissionChange) Validate() error { return c.Apply(DefaultPolicy.Admission).Validate() }
