package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Admission keeps each sale's admission settings in memory: the queue.Loop of tests that
// drive admission ticks themselves, and of `boxoffice dev` on memory until its workflows run.
type Admission struct {
	mu       sync.Mutex
	seed     queue.Settings
	settings map[core.SaleID]queue.Settings
	wakes    map[core.SaleID]int
}

var _ queue.Loop = (*Admission)(nil)

// NewAdmission answers for a sale that was never started with seed.
func NewAdmission(seed queue.Settings) *Admission {
	return &Admission{seed: seed, settings: map[core.SaleID]queue.Settings{}, wakes: map[core.SaleID]int{}}
}

// Start implements queue.Loop.
func (a *Admission) Start(_ context.Context, sale core.SaleID, s queue.Settings) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, running := a.settings[sale]; !running {
		a.settings[sale] = s
	}
	return nil
}

// Settings implements queue.Loop.
func (a *Admission) Settings(_ context.Context, sale core.SaleID) (queue.Settings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.of(sale), nil
}

// Change implements queue.Loop.
func (a *Admission) Change(_ context.Context, sale core.SaleID, c queue.Change) (queue.Settings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := c.Validate(); err != nil {
		return queue.Settings{}, err
	}
	if a.of(sale).AdmitRate == 0 {
		return queue.Settings{}, errors.New("no admission loop runs for this sale")
	}
	a.settings[sale] = c.Apply(a.of(sale))
	return a.settings[sale], nil
}

func (a *Admission) of(sale core.SaleID) queue.Settings {
	if s, ok := a.settings[sale]; ok {
		return s
	}
	return a.seed
}

// Wake implements queue.Loop: tests drive the rounds themselves, so it only counts.
func (a *Admission) Wake(sale core.SaleID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.wakes[sale]++
}

// Wakes is how many times a sale's loop was woken.
func (a *Admission) Wakes(sale core.SaleID) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.wakes[sale]
}
