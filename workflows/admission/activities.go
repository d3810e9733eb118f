package admission

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Admitter is the step the activity runs; the queue's Admitter is one.
type Admitter interface {
	AdmitUpTo(ctx context.Context, sale core.SaleID, s queue.Settings, batch int) (queue.Result, error)
}

// Activities hold the dependencies of the admission activity.
type Activities struct {
	Admitter Admitter
}

// Admit runs one admission round. A retry after a crash re-admits nothing: admission only
// takes waiting tokens.
func (a *Activities) Admit(ctx context.Context, t Tick) (AdmitResult, error) {
	batch := t.Settings.Batch()
	if t.Batch != nil {
		batch = *t.Batch
	}
	res, err := a.Admitter.AdmitUpTo(ctx, t.SaleID, t.Settings, batch)
	if err != nil {
		return AdmitResult{}, err
	}
	return AdmitResult{Closed: res.Closed, Admitted: res.Admitted, Expired: res.Expired, Abandoned: res.Abandoned, Drawn: res.Drawn, Waiting: res.Waiting}, nil
}
