package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Control is what operators steer the waiting room with during a sale.
type Control struct {
	store    Store
	loop     Loop
	sales    Sales
	clock    core.Clock
	policy   Policy
	counters Counters
}

// Report is what operators see of the waiting room.
type Report struct {
	Stats    Stats
	Settings Settings
	// AdmittedPerMinute is the measured admission rate; the configured one before any
	// admission was measured.
	AdmittedPerMinute float64
	// OldestWait is how long the fan at the head of the queue has waited.
	OldestWait time.Duration
	// Stalled says fans wait and admission has not moved for a while (Queue.Stalled).
	Stalled bool
	// LoopUnavailable says the admission loop did not answer: Settings are the ones the queue
	// recorded last, and the loop may not be running.
	LoopUnavailable bool
}

// Report reads a sale's queue statistics and admission settings, asking its admission loop.
// A loop that does not answer does not fail the report: it gives the settings the queue
// recorded, and says so.
func (c *Control) Report(ctx context.Context, sale core.SaleID) (Report, error) {
	st, err := c.store.QueueStats(ctx, sale)
	if err != nil {
		return Report{}, fmt.Errorf("queue stats: %w", err)
	}
	set, err := c.loop.Settings(ctx, sale)
	if err != nil {
		return c.report(st, st.Settings.withDefaults(c.policy.Admission), true), nil
	}
	return c.report(st, set, false), nil
}

// RecordedReport is Report from the store alone, without asking the loop: what a list of many
// sales reads (a thousand loops are not asked a thousand questions for one page). The settings
// are the ones the queue recorded, which every change records; the loop is taken to be
// unavailable when fans wait and no round has run for StallAfter.
func (c *Control) RecordedReport(ctx context.Context, sale core.SaleID) (Report, error) {
	st, err := c.store.QueueStats(ctx, sale)
	if err != nil {
		return Report{}, fmt.Errorf("queue stats: %w", err)
	}
	r := c.report(st, st.Settings.withDefaults(c.policy.Admission), false)
	r.LoopUnavailable = st.Waiting() > 0 && !st.RateAt.IsZero() && c.clock.Now().Sub(st.RateAt) > max(StallAfter, 3*st.Settings.Tick)
	return r, nil
}

func (c *Control) report(st Stats, set Settings, unavailable bool) Report {
	now := c.clock.Now()
	r := Report{Stats: st, Settings: set, AdmittedPerMinute: st.MeasuredRate(c.policy.Admission) * 60, Stalled: st.Stalled(now), LoopUnavailable: unavailable}
	if !st.OldestIssuedAt.IsZero() {
		r.OldestWait = max(0, now.Sub(st.OldestIssuedAt))
	}
	return r
}

// ChangeAdmission changes a sale's admission rate, ceiling or session length from the next
// tick and returns the settings that now apply.
func (c *Control) ChangeAdmission(ctx context.Context, sale core.SaleID, ch Change) (Settings, error) {
	if err := ch.Validate(); err != nil {
		return Settings{}, err
	}
	if err := c.notClosed(ctx, sale); err != nil {
		return Settings{}, err
	}
	applied, err := c.loop.Change(ctx, sale, ch)
	if err != nil {
		return Settings{}, errors.Join(ErrAdmissionUnavailable, fmt.Errorf("change admission: %w", err))
	}
	// Estimates follow the change from the next answer, not from the next tick.
	if err := c.store.RecordSettings(ctx, sale, applied); err != nil {
		return applied, fmt.Errorf("record admission settings: %w", err)
	}
	if _, err := c.counters.Read(ctx, sale); err != nil {
		return applied, err
	}
	return applied, nil
}

// ScheduleOpening sets when the sale opens. Fans who take a token before then are placed in
// line by a random draw at the opening; later arrivals queue behind them in order. seed nil
// draws a random seed; it is recorded either way. The opening can be moved until the queue
// opens, but not scheduled on a queue already running first come, first served.
func (c *Control) ScheduleOpening(ctx context.Context, sale core.SaleID, at time.Time, seed *int64) (Queue, error) {
	if !at.After(c.clock.Now()) {
		return Queue{}, core.InvalidField("opens_at", "must be in the future")
	}
	if err := c.notClosed(ctx, sale); err != nil {
		return Queue{}, err
	}
	s, err := drawSeed(seed)
	if err != nil {
		return Queue{}, err
	}
	if err := c.store.ScheduleOpening(ctx, sale, at.UTC().Truncate(time.Microsecond), s); err != nil {
		return Queue{}, fmt.Errorf("schedule opening: %w", err)
	}
	return c.counters.Read(ctx, sale)
}

// Open starts a new sale's waiting room: its settings (the policy's where s leaves them
// unset), its opening if one is given, and its admission loop.
func (c *Control) Open(ctx context.Context, sale core.SaleID, s Settings, opensAt time.Time) error {
	s = s.withDefaults(c.policy.Admission)
	if err := s.Validate(); err != nil {
		return err
	}
	if err := c.store.RecordSettings(ctx, sale, s); err != nil {
		return fmt.Errorf("record admission settings: %w", err)
	}
	if !opensAt.IsZero() {
		if _, err := c.ScheduleOpening(ctx, sale, opensAt, nil); err != nil {
			return err
		}
	}
	if err := c.loop.Start(ctx, sale, s); err != nil {
		return errors.Join(ErrAdmissionUnavailable, fmt.Errorf("start admission: %w", err))
	}
	return nil
}

// Resume starts a sale's admission loop unless it runs: with the settings its queue recorded
// last, or the policy's for a queue that recorded none. A worker does it for every sale not
// closed when it starts, so a loop lost with its workflow engine comes back where it was.
func (c *Control) Resume(ctx context.Context, sale core.SaleID) error {
	q, err := c.store.Queue(ctx, sale)
	if err != nil {
		return fmt.Errorf("read the queue of %s: %w", sale, err)
	}
	// The revision carries on from the record, so the new loop's changes supersede it.
	s := q.Settings.withDefaults(c.policy.Admission)
	if err := c.loop.Start(ctx, sale, s); err != nil {
		return errors.Join(ErrAdmissionUnavailable, fmt.Errorf("start admission of %s: %w", sale, err))
	}
	return nil
}

// notClosed refuses to change the waiting room of a closed sale: its loop has ended, and a
// change could only be recorded, never applied.
func (c *Control) notClosed(ctx context.Context, sale core.SaleID) error {
	state, err := c.sales.State(ctx, sale)
	if err != nil {
		return fmt.Errorf("read the sale's state: %w", err)
	}
	if state == core.Closed {
		return ErrSaleClosed
	}
	return nil
}

// Wake rouses the sale's admission loop if it sleeps because nobody waited; it never blocks.
func (c *Control) Wake(sale core.SaleID) { c.loop.Wake(sale) }
