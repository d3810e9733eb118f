package admission

import (
	"context"

	"github.com/boxoffice/boxoffice/core/queue"
)

// Admitter is the step the activity runs; the queue's Admitter is one.
type Admitter interface {
	AdmitNext(ctx context.Context, s queue.Settings) (queue.Result, error)
}

// Activities hold the dependencies of the admission activity.
type Activities struct {
	Admitter Admitter
}

// Admit runs one admission round. A retry after a crash re-admits nothing: admission only
// takes waiting tokens.
func (a *Activities) Admit(ctx context.Context, s queue.Settings) (AdmitResult, error) {
	res, err := a.Admitter.AdmitNext(ctx, s)
	if err != nil {
		return AdmitResult{}, err
	}
	return AdmitResult{Admitted: res.Admitted, Expired: res.Expired, Abandoned: res.Abandoned, Drawn: res.Drawn}, nil
}
