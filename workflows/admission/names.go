// Package admission is the long-running Temporal workflow of the waiting room: every tick it
// ends expired sessions and admits the next waiting fans in sequence order, at the admission
// rate and up to the active ceiling, both of which operators change during a sale by update.
package admission

import (
	"errors"
	"time"
)

// Names other packages use to reach this workflow.
const (
	WorkflowName   = "QueueAdmission"
	UpdateSettings = "settings"
	QueryStats     = "stats"
	ActivityAdmit  = "QueueAdmit"
)

// DefaultQueue names the one queue of this version.
const DefaultQueue = "main"

// WorkflowID is the id of a queue's admission workflow.
func WorkflowID(queue string) string { return "queue/" + queue }

// Settings are the operator's controls of admission.
type Settings struct {
	AdmitRate int           // fans admitted per second
	MaxActive int           // ceiling on fans admitted at once
	Tick      time.Duration // time between admission rounds
}

// Validate reports settings that cannot run.
func (s Settings) Validate() error {
	switch {
	case s.AdmitRate <= 0:
		return errors.New("admission rate must be at least 1 per second")
	case s.MaxActive <= 0:
		return errors.New("active ceiling must be at least 1")
	case s.Tick < 100*time.Millisecond || s.Tick > time.Minute:
		return errors.New("tick must be between 100ms and 1m")
	}
	return nil
}

// Batch is how many fans one tick may admit: the rate over the tick, at least one.
func (s Settings) Batch() int {
	return max(1, int(float64(s.AdmitRate)*s.Tick.Seconds()))
}

// State is the workflow's whole state, carried across continue-as-new, and the stats query's answer.
type State struct {
	Settings      Settings
	Ticks         int64
	AdmittedTotal int64
	ExpiredTotal  int64
	// AbandonedTotal counts waiting fans skipped because they stopped polling.
	AbandonedTotal int64
	// ReleasedHoldsTotal counts overdue holds the ticks released because their own release never ran.
	ReleasedHoldsTotal int64
	LastAdmitted       int // fans admitted by the latest tick
}

// AdmitInput is the argument of the admit activity.
type AdmitInput struct {
	Batch     int
	MaxActive int
}

// AdmitResult is what one tick did.
type AdmitResult struct {
	Admitted      int
	Expired       int
	Abandoned     int
	Drawn         int // early fans placed by the opening draw
	ReleasedHolds int
}
