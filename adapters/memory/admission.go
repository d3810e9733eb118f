package memory

import (
	"context"
	"sync"

	"github.com/boxoffice/boxoffice/core/queue"
)

// Admission keeps the admission settings in memory: the queue.Loop of tests that drive
// admission ticks themselves.
type Admission struct {
	mu       sync.Mutex
	settings queue.Settings
}

var _ queue.Loop = (*Admission)(nil)

// NewAdmission starts with s.
func NewAdmission(s queue.Settings) *Admission { return &Admission{settings: s} }

// Settings implements queue.Loop.
func (a *Admission) Settings(context.Context) (queue.Settings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings, nil
}

// Change implements queue.Loop.
func (a *Admission) Change(_ context.Context, c queue.Change) (queue.Settings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := c.Validate(); err != nil {
		return queue.Settings{}, err
	}
	a.settings = c.Apply(a.settings)
	return a.settings, nil
}
