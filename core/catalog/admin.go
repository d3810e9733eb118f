package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// Admin is what operators put sales on with and change them by.
type Admin struct {
	store  Store
	queues Queues
	clock  core.Clock
}

// SaleReport is a sale as operators see it: as created, with its performances and the live
// counts of their seats.
type SaleReport struct {
	Sale         Sale
	Performances []Performance
	Counts       map[core.Date]SeatCounts
}

// CreateSale puts a sale on: its performances and seats, then its waiting room, then the state
// asked for. The sale is stored as a draft, out of fans' sight, until its waiting room is open,
// so a scheduled opening is in place before the first fan arrives. A sale whose waiting room did
// not open stays a draft (ErrQueueNotOpened).
func (a *Admin) CreateSale(ctx context.Context, spec SaleSpec) (SaleReport, error) {
	s, perfs, err := NewSale(spec, a.clock.Now())
	if err != nil {
		return SaleReport{}, err
	}
	wanted := s.State
	s.State = core.Draft
	if err := a.store.CreateSale(ctx, s, perfs); err != nil {
		return SaleReport{}, err
	}
	if err := a.queues.Open(ctx, s.ID, spec.Queue); err != nil {
		return SaleReport{}, errors.Join(ErrQueueNotOpened, fmt.Errorf("open the queue of %s: %w", s.ID, err))
	}
	if wanted != core.Draft {
		if _, err := a.store.UpdateSale(ctx, s.ID, SaleChange{State: &wanted}.Apply); err != nil {
			return SaleReport{}, err
		}
	}
	return a.Report(ctx, s.ID)
}

// ErrQueueNotOpened: the sale's waiting room did not open, so the sale stays as it was (a new
// one a draft).
var ErrQueueNotOpened = core.Classed(core.ErrUnavailable, "the sale's waiting room did not open (is a worker running?), so the sale was left as it was (a new sale a draft); once a worker runs, PATCH its state to on_sale")

// ChangeSale changes a sale's state, title, venue, limit, cancellation policy or entry rules. A sale put on
// sale or paused needs its waiting room running: it is started first if it does not run (a
// sale created while no worker answered), and the change refused if it cannot be.
func (a *Admin) ChangeSale(ctx context.Context, id core.SaleID, c SaleChange) (SaleReport, error) {
	if c.Entry != nil {
		if err := c.Entry.Validate(a.clock.Now()); err != nil {
			return SaleReport{}, err
		}
	}
	if c.State != nil && c.State.Public() {
		if _, err := a.store.Sale(ctx, id); err != nil {
			return SaleReport{}, err
		}
		if err := a.queues.Resume(ctx, id); err != nil {
			return SaleReport{}, errors.Join(ErrQueueNotOpened, fmt.Errorf("resume the queue of %s: %w", id, err))
		}
	}
	if _, err := a.store.UpdateSale(ctx, id, c.Apply); err != nil {
		return SaleReport{}, err
	}
	if c.State != nil {
		a.queues.Wake(id) // a closed sale's waiting room ends at its next round
	}
	return a.Report(ctx, id)
}

// AddPerformance adds a date to a sale.
func (a *Admin) AddPerformance(ctx context.Context, sale core.SaleID, spec PerformanceSpec) (SaleReport, error) {
	s, err := a.store.Sale(ctx, sale)
	if err != nil {
		return SaleReport{}, err
	}
	if s.State == core.Closed {
		return SaleReport{}, ErrSaleClosed
	}
	p, err := NewPerformance(sale, spec, a.clock.Now())
	if err != nil {
		return SaleReport{}, err
	}
	// Checked before the write, not under it: operators adding dates to one sale at the same
	// moment may pass it together, by a date each.
	others, err := a.store.Performances(ctx, sale)
	if err != nil {
		return SaleReport{}, err
	}
	if err := CheckRoom("", p, others); err != nil {
		return SaleReport{}, err
	}
	if err := a.store.AddPerformance(ctx, p); err != nil {
		return SaleReport{}, err
	}
	return a.Report(ctx, sale)
}

// RepriceSection sets a section's price for its seats not held or sold, and says how many. A
// price that could never apply (the sale closed, the show cancelled or past) is refused.
func (a *Admin) RepriceSection(ctx context.Context, sale core.SaleID, rawDate, section string, price int64) (int, error) {
	d, err := core.ParseDate(rawDate)
	if err != nil {
		return 0, err
	}
	if err := CheckPrice("price", price); err != nil {
		return 0, err
	}
	s, err := a.store.Sale(ctx, sale)
	if err != nil {
		return 0, err
	}
	p, err := a.store.Performance(ctx, sale, d)
	if err != nil {
		return 0, err
	}
	now := a.clock.Now()
	switch {
	case s.State == core.Closed:
		return 0, neverApplies("the sale has closed: nobody can hold its seats any more")
	case p.Cancelled():
		return 0, neverApplies("this performance was cancelled: its seats are not for sale")
	case d.Before(core.DateOf(now)):
		return 0, neverApplies("this performance has passed: its seats are not for sale any more")
	}
	return a.store.RepriceSection(ctx, sale, d, section, core.Amount(price), now)
}

// Report reads one sale with its performances and the counts of their seats.
func (a *Admin) Report(ctx context.Context, id core.SaleID) (SaleReport, error) {
	s, err := a.store.Sale(ctx, id)
	if err != nil {
		return SaleReport{}, err
	}
	perfs, err := a.store.Performances(ctx, id)
	if err != nil {
		return SaleReport{}, err
	}
	counts, err := a.store.SeatCounts(ctx, id, a.clock.Now())
	if err != nil {
		return SaleReport{}, err
	}
	return SaleReport{Sale: s, Performances: perfs, Counts: counts}, nil
}

// Sales lists every sale, oldest first.
func (a *Admin) Sales(ctx context.Context) ([]Sale, error) { return a.store.Sales(ctx) }
