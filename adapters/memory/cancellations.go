package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// Rounds run a cancellation's rounds; booking's Refunder does.
type Rounds interface {
	Round(ctx context.Context, sale core.SaleID, d core.Date, batch int) (booking.Round, error)
}

// CancellationBatch is how many holds and tickets a round of Cancellations ends and refunds.
const CancellationBatch = 100

// Cancellations is booking.Cancellations without Temporal: each cancellation runs its rounds in
// a goroutine of this process until one finds nothing left. It does not survive a restart; use
// it in tests and single-process demos only.
type Cancellations struct {
	rounds Rounds

	mu      sync.Mutex
	running map[perfKey]bool
	errs    []error
	wg      sync.WaitGroup
}

var _ booking.Cancellations = (*Cancellations)(nil)

// NewCancellations runs cancellations with rounds.
func NewCancellations(rounds Rounds) *Cancellations {
	return &Cancellations{rounds: rounds, running: map[perfKey]bool{}}
}

// Start implements booking.Cancellations.
func (c *Cancellations) Start(_ context.Context, sale core.SaleID, d core.Date) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := perfKey{sale, d}
	if c.running[k] {
		return nil
	}
	c.running[k] = true
	c.wg.Add(1)
	go c.run(k)
	return nil
}

func (c *Cancellations) run(k perfKey) {
	defer c.wg.Done()
	var err error
	for {
		var r booking.Round
		if r, err = c.rounds.Round(context.Background(), k.sale, k.date, CancellationBatch); err != nil || r.Left.Done() {
			break
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, k)
	if err != nil {
		c.errs = append(c.errs, err)
	}
}

// Wait waits for the cancellations running to end and returns their errors.
func (c *Cancellations) Wait() error {
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.errs...)
}
