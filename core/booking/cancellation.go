package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Tally is where a performance's tickets stand, as its cancellation sees them.
type Tally struct {
	Held      int // holds still to end
	Paid      int // paid tickets still to refund (not checked in)
	CheckedIn int // paid tickets whose holders came in before the cancellation: kept, not refunded
	Refunded  int // tickets refunded because the performance was cancelled
}

// Progress is how far the cancellation of a performance has come.
type Progress struct {
	SaleID      core.SaleID
	Date        core.Date
	CancelledAt time.Time
	Tally
}

// Total is the number of tickets the cancellation refunds: those refunded and those still to be.
func (p Progress) Total() int { return p.Refunded + p.Paid }

// Done reports a cancellation with nothing left to do: no hold to end, no ticket to refund.
func (p Progress) Done() bool { return p.Held == 0 && p.Paid == 0 }

// ShowCanceller is where operators cancel a performance: the date closes at once, and the
// cancellation (Cancellations, a workflow in production) ends its holds and refunds every paid
// ticket in full, exactly once, however often it is asked.
type ShowCanceller struct {
	runs     Cancellations
	refunder *Refunder
}

// Cancel cancels a performance: from its return no seat of it can be held, and its
// cancellation runs until every ticket is refunded. Asking again starts nothing new and reports
// the progress.
func (c *ShowCanceller) Cancel(ctx context.Context, sale core.SaleID, rawDate string) (Progress, error) {
	d, err := core.ParseDate(rawDate)
	if err != nil {
		return Progress{}, err
	}
	if _, err := c.refunder.Close(ctx, sale, d); err != nil {
		return Progress{}, err
	}
	p, err := c.refunder.Progress(ctx, sale, d)
	if err != nil || p.Done() {
		return p, err
	}
	if err := c.runs.Start(ctx, sale, d); err != nil {
		return Progress{}, errors.Join(ErrCancellationNotStarted, fmt.Errorf("start the cancellation of %s %s: %w", sale, d, err))
	}
	return p, nil
}

// Progress reports how far a performance's cancellation has come; ErrNotCancelled for a
// performance that is on.
func (c *ShowCanceller) Progress(ctx context.Context, sale core.SaleID, rawDate string) (Progress, error) {
	d, err := core.ParseDate(rawDate)
	if err != nil {
		return Progress{}, err
	}
	return c.refunder.Progress(ctx, sale, d)
}

// Refunder is the steps a performance's cancellation runs, each idempotent so a retry after a
// crash redoes nothing: close the date, then round after round end its holds and refund its
// paid tickets in full, until none is left. It asks nobody's permission: the ShowCanceller
// decided.
type Refunder struct {
	shows       Shows
	store       Store
	settlements Settlements
	clock       core.Clock
	observer    Observer
}

// Close marks the performance cancelled, once: its seats can no longer be held.
func (r *Refunder) Close(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Performance, error) {
	if _, err := r.shows.Offer(ctx, sale, d); err != nil { // ErrUnknownSale or ErrUnknownDate
		return catalog.Performance{}, err
	}
	return r.shows.CancelPerformance(ctx, sale, d, r.clock.Now())
}

// Round is what one round of a cancellation did, and what it left.
type Round struct {
	Released int // holds ended
	Refunded int // tickets refunded
	Left     Progress
}

// Round ends up to batch of the cancelled performance's holds and refunds up to batch of its
// paid tickets, each in its own transaction: a ticket refunded already, or cancelled by its fan
// meanwhile, is skipped, and a ticket checked in meanwhile is kept.
func (r *Refunder) Round(ctx context.Context, sale core.SaleID, d core.Date, batch int) (Round, error) {
	p, err := r.Progress(ctx, sale, d)
	if err != nil {
		return Round{}, err
	}
	var out Round
	if out.Released, err = r.store.EndHolds(ctx, sale, d, batch); err != nil {
		return Round{}, fmt.Errorf("end holds: %w", err)
	}
	paid, err := r.store.PaidTickets(ctx, sale, d, batch)
	if err != nil {
		return Round{}, fmt.Errorf("list paid tickets: %w", err)
	}
	for _, t := range paid {
		_, err := r.settlements.Refund(ctx, RefundRequest{
			ReservationID: t.ID, RefundID: core.NewID(), Terms: t.FullRefund(), Reason: PerformanceCancelled, At: r.clock.Now(),
		})
		var in *CheckedInError
		switch {
		case err == nil:
			out.Refunded++
			r.observer.Refunded(sale, PerformanceCancelled, 1) // as each commits: a later failure ends the round
		case errors.Is(err, ErrAlreadyCancelled), errors.As(err, &in):
			// Its fan cancelled it, or came in, since the list was read.
		default:
			return Round{}, fmt.Errorf("refund ticket %s: %w", t.ID, err)
		}
	}
	out.Left, err = r.tally(ctx, p)
	return out, err
}

// Progress reports how far a performance's cancellation has come; ErrNotCancelled for a
// performance that is on.
func (r *Refunder) Progress(ctx context.Context, sale core.SaleID, d core.Date) (Progress, error) {
	offer, err := r.shows.Offer(ctx, sale, d)
	if err != nil {
		return Progress{}, err
	}
	perf := offer.Performance
	if !perf.Cancelled() {
		return Progress{}, ErrNotCancelled
	}
	return r.tally(ctx, Progress{SaleID: sale, Date: d, CancelledAt: perf.CancelledAt})
}

func (r *Refunder) tally(ctx context.Context, p Progress) (Progress, error) {
	var err error
	p.Tally, err = r.store.Tally(ctx, p.SaleID, p.Date)
	return p, err
}
