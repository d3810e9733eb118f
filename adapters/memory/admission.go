package memory

import (
	"context"
	"sync"

	"github.com/boxoffice/boxoffice/core"
)

// Admission keeps the admission settings in memory: the core.AdmissionControl of tests that
// drive admission ticks themselves.
type Admission struct {
	mu       sync.Mutex
	settings core.AdmissionSettings
}

var _ core.AdmissionControl = (*Admission)(nil)

// NewAdmission starts with s.
func NewAdmission(s core.AdmissionSettings) *Admission { return &Admission{settings: s} }

// AdmissionSettings implements core.AdmissionControl.
func (a *Admission) AdmissionSettings(context.Context) (core.AdmissionSettings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings, nil
}

// ChangeAdmission implements core.AdmissionControl.
func (a *Admission) ChangeAdmission(_ context.Context, c core.AdmissionChange) (core.AdmissionSettings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := c.Validate(); err != nil {
		return core.AdmissionSettings{}, err
	}
	a.settings = c.Apply(a.settings)
	return a.settings, nil
}
