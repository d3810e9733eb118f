package admission

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Admitter is the step the activity runs; the queue's Admitter is one.
type Admitter interface {
	AdmitNext(ctx context.Context, sale core.SaleID, s queue.Settings) (queue.Result, error)
}

// Activities hold the dependencies of the admission activity.
type Activities struct {
	Admitter Admitter
}

// Admit runs one admission round. A retry after a crash re-admits nothing: admission only
// takes waiting tokens.
func (a *Activities) Admit(ctx context.Context, t Tick) (AdmitResult, error) {
	res, err := a.Admitter.AdmitNext(ctx, t.SaleID, t.Settings)
	if err != nil {
		return AdmitResult{}, err
	}
	return AdmitResult{Closed: res.Closed, Admitted: res.Admitted, Expired: res.Expired, Abandoned: res.Abandoned, Drawn: res.Drawn}, nil
}
