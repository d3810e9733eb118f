package admission

import (
	"context"

	"github.com/boxoffice/boxoffice/core"
)

// Admitter is the part of the application the activity drives; *core.BoxOffice is one.
type Admitter interface {
	AdmitNext(ctx context.Context, s core.AdmissionSettings) (core.AdmissionResult, error)
}

// Activities hold the dependencies of the admission activity.
type Activities struct {
	App Admitter
}

// Admit runs one admission round (and the sweep of overdue holds). A retry after a crash
// re-admits nothing: admission only takes waiting tokens, the sweep only held reservations.
func (a *Activities) Admit(ctx context.Context, s core.AdmissionSettings) (AdmitResult, error) {
	res, err := a.App.AdmitNext(ctx, s)
	if err != nil {
		return AdmitResult{}, err
	}
	return AdmitResult{Admitted: res.Admitted, Expired: res.Expired, Abandoned: res.Abandoned, Drawn: res.Drawn, ReleasedHolds: res.ReleasedHolds}, nil
}
