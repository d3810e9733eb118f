package catalog

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Directory is what fans find the sales by: the ones on sale or paused, and the default sale
// the seed's endpoints use when no sale is named. It answers from a copy, so a rush of new fans
// costs the store one read per refresh; while one caller refreshes a stale copy, the others
// answer from it. Any change of a sale (Changes) drops the copy, so this instance's own change
// shows in its next answer and another instance's within the store's notice; the copy is never
// older than DirectoryRefresh (by the domain clock) whatever was missed.
type Directory struct {
	store    Store
	clock    core.Clock
	fallback core.SaleID // BOXOFFICE_DEFAULT_SALE, if set

	mu         sync.Mutex // orders a change's drop against a refresh storing its copy
	gen        uint64     // changes seen: a copy read across one is not kept
	cur        atomic.Pointer[directoryCopy]
	refreshing atomic.Bool
}

type directoryCopy struct {
	listings []Listing
	readAt   time.Time
}

// DirectoryRefresh bounds how stale the directory may be when a change went unheard: a new or
// closed sale shows within it on every instance.
const DirectoryRefresh = time.Second

// Listing is a sale as fans see it in the directory.
type Listing struct {
	Sale     Sale
	Dates    []core.Date // from today on
	MinPrice core.Amount
	MaxPrice core.Amount
	SoldOut  bool // no seat of those dates is available
}

// Public lists the sales fans can queue for, oldest first.
func (d *Directory) Public(ctx context.Context) ([]Listing, error) {
	now := d.clock.Now()
	if c := d.cur.Load(); c != nil {
		age := now.Sub(c.readAt)
		if age >= 0 && age < DirectoryRefresh || !d.refreshing.CompareAndSwap(false, true) {
			return c.listings, nil
		}
		defer d.refreshing.Store(false)
	}
	d.mu.Lock()
	gen := d.gen
	d.mu.Unlock()
	sales, err := d.store.Sales(ctx)
	if err != nil {
		return nil, err
	}
	out, err := d.listings(ctx, sales, now)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.gen == gen {
		d.cur.Store(&directoryCopy{listings: out, readAt: now})
	}
	d.mu.Unlock()
	return out, nil
}

// changed drops the copy: the next answer reads the sales again.
func (d *Directory) changed(core.SaleID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	d.cur.Store(nil)
}

// listings are the public sales with their dates and sections, and whether any seat is left:
// two reads whatever the number of sales, and one cheap look per date, not a count of its seats.
func (d *Directory) listings(ctx context.Context, sales []Sale, now time.Time) ([]Listing, error) {
	var public []Sale
	var ids []core.SaleID
	for _, s := range sales {
		if s.State.Public() {
			public, ids = append(public, s), append(ids, s.ID)
		}
	}
	out := []Listing{}
	if len(public) == 0 {
		return out, nil
	}
	today := core.DateOf(now)
	perfs, err := d.store.PerformancesOfSales(ctx, ids)
	if err != nil {
		return nil, err
	}
	open, err := d.store.OpenDatesOfSales(ctx, ids, today, now)
	if err != nil {
		return nil, err
	}
	for _, s := range public {
		out = append(out, listing(s, perfs[s.ID], len(open[s.ID]) == 0, today))
	}
	return out, nil
}

// listing is a sale as fans find it: its dates from today on, not cancelled, and its prices.
func listing(s Sale, perfs []Performance, soldOut bool, today core.Date) Listing {
	l := Listing{Sale: s, SoldOut: soldOut, Dates: []core.Date{}}
	for _, p := range perfs {
		if p.Date.Before(today) || p.Cancelled() {
			continue
		}
		lo, hi := p.PriceRange()
		if len(l.Dates) == 0 || lo < l.MinPrice {
			l.MinPrice = lo
		}
		l.MaxPrice = max(l.MaxPrice, hi)
		l.Dates = append(l.Dates, p.Date)
	}
	return l
}

// Default is the sale the seed's endpoints mean when they name none: BOXOFFICE_DEFAULT_SALE,
// else the earliest-created sale on sale or paused. A paused sale stays the default, so
// pausing it never sends new fans to another concert; closing it does.
func (d *Directory) Default(ctx context.Context) (core.SaleID, error) {
	if d.fallback != "" {
		return d.fallback, nil
	}
	public, err := d.Public(ctx)
	if err != nil {
		return "", err
	}
	if len(public) == 0 {
		return "", ErrNoDefaultSale
	}
	return public[0].Sale.ID, nil
}

// Status is a sale's state as the directory last read it, and whether it is sold out; a sale
// that is not public (draft or closed) is read from the store.
func (d *Directory) Status(ctx context.Context, id core.SaleID) (core.SaleStatus, error) {
	public, err := d.Public(ctx)
	if err != nil {
		return core.SaleStatus{}, err
	}
	for _, l := range public {
		if l.Sale.ID == id {
			return core.SaleStatus{State: l.Sale.State, SoldOut: l.SoldOut}, nil
		}
	}
	s, err := d.store.Sale(ctx, id)
	if err != nil {
		return core.SaleStatus{}, err
	}
	return core.SaleStatus{State: s.State}, nil
}

// State is a sale's state read from the store now, not from the copy.
func (d *Directory) State(ctx context.Context, id core.SaleID) (core.SaleState, error) {
	s, err := d.store.Sale(ctx, id)
	if err != nil {
		return core.SaleState{}, err
	}
	return s.State, nil
}
