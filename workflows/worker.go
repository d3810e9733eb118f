// Package workflows holds boxoffice's Temporal workflows, one package per workflow context
// (reservation, admission), and registers them on a worker.
package workflows

import (
	"go.temporal.io/sdk/worker"

	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// TaskQueue is the task queue every boxoffice workflow and activity runs on.
const TaskQueue = "boxoffice"

// App is what the activities drive; *core.BoxOffice is one.
type App interface {
	reservation.Settler
	admission.Admitter
}

// Register adds every workflow and activity to a worker.
func Register(r worker.Registry, app App) {
	reservation.Register(r, app)
	admission.Register(r, app)
}
