// Package workflows holds boxoffice's Temporal workflows, one package per workflow context
// (reservation, admission, cancellation, sweep), and registers them on a worker.
package workflows

import (
	"go.temporal.io/sdk/worker"

	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/reservation"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// TaskQueue is the task queue every boxoffice workflow and activity runs on.
const TaskQueue = "boxoffice"

// Steps are what the activities drive: booking's Settler, Refunder and Sweeper and the queue's
// Admitter.
type Steps struct {
	Settler  reservation.Settler
	Admitter admission.Admitter
	Refunder cancellation.Refunder
	Sweeper  sweep.Sweeper
}

// Register adds every workflow and activity to a worker.
func Register(r worker.Registry, s Steps) {
	reservation.Register(r, s.Settler)
	admission.Register(r, s.Admitter)
	cancellation.Register(r, s.Refunder)
	sweep.Register(r, s.Sweeper)
}
