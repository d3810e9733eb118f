// Package workflows holds boxoffice's Temporal workflows, one package per workflow context
// (reservation, admission, cancellation, sweep, delivery), and registers them on a worker.
package workflows

import (
	"go.temporal.io/sdk/worker"

	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/delivery"
	"github.com/boxoffice/boxoffice/workflows/reservation"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// TaskQueue is the task queue every boxoffice workflow and activity runs on.
const TaskQueue = "boxoffice"

// DefaultPollers is how many pollers a worker keeps for workflow tasks and for activity
// tasks. The SDK's default is two, which caps how many tasks a worker fetches at once however
// many it could run: with 64 fans paying at once, eight pollers took payments from 58 to 113 a
// second and a trivial update from about 100 to 175 on the dev server (`make bench-booking`).
const DefaultPollers = 8

// WorkerOptions are a boxoffice worker's settings: pollers for workflow tasks and for
// activity tasks (at least 2, the SDK's minimum for workflow tasks with a sticky queue).
func WorkerOptions(pollers int) worker.Options {
	pollers = max(pollers, 2)
	return worker.Options{
		MaxConcurrentWorkflowTaskPollers: pollers,
		MaxConcurrentActivityTaskPollers: pollers,
	}
}

// Steps are what the activities drive: booking's Settler, Refunder and Sweeper, the queue's
// Admitter and the webhooks' Courier.
type Steps struct {
	Settler  reservation.Settler
	Admitter admission.Admitter
	Refunder cancellation.Refunder
	Sweeper  sweep.Sweeper
	Courier  delivery.Courier
}

// Register adds every workflow and activity to a worker.
func Register(r worker.Registry, s Steps) {
	reservation.Register(r, s.Settler)
	admission.Register(r, s.Admitter)
	cancellation.Register(r, s.Refunder)
	sweep.Register(r, s.Sweeper)
	delivery.Register(r, s.Courier)
}
