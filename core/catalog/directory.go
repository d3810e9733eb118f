package catalog

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Directory is what fans find the sales by: the ones on sale or paused (from its Lister), and
// the default sale the seed's endpoints use when no sale is named.
type Directory struct {
	lister   Lister
	store    Store
	fallback core.SaleID // BOXOFFICE_DEFAULT_SALE, if set
}

// Lister lists the sales fans can queue for, oldest first, with their dates and prices: what
// the Directory answers from. StoreListings reads them at each call; a copy kept in process
// may stand in for it (adapters/cache, through app.Ports.Copies).
type Lister interface {
	Public(ctx context.Context) ([]Listing, error)
}

// DirectoryRefresh bounds how stale a copy of the directory may be when a change went unheard:
// a new or closed sale shows within it on every instance.
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
func (d *Directory) Public(ctx context.Context) ([]Listing, error) { return d.lister.Public(ctx) }

// StoreListings is the Lister that reads the store at each call.
type StoreListings struct {
	Store Store
	Clock core.Clock
}

// Public implements Lister.
func (l StoreListings) Public(ctx context.Context) ([]Listing, error) {
	now := l.Clock.Now()
	sales, err := l.Store.Sales(ctx)
	if err != nil {
		return nil, err
	}
	return l.listings(ctx, sales, now)
}

// listings are the public sales with their dates and sections, and whether any seat is left:
// two reads whatever the number of sales, and one cheap look per date, not a count of its seats.
func (l StoreListings) listings(ctx context.Context, sales []Sale, now time.Time) ([]Listing, error) {
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
	perfs, err := l.Store.PerformancesOfSales(ctx, ids)
	if err != nil {
		return nil, err
	}
	open, err := l.Store.OpenDatesOfSales(ctx, ids, today, now)
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
			return core.SaleStatus{State: l.Sale.State, SoldOut: l.SoldOut, Entry: l.Sale.Entry}, nil
		}
	}
	s, err := d.store.Sale(ctx, id)
	if err != nil {
		return core.SaleStatus{}, err
	}
	return core.SaleStatus{State: s.State, Entry: s.Entry}, nil
}

// State is a sale's state read from the store now, not from the copy.
func (d *Directory) State(ctx context.Context, id core.SaleID) (core.SaleState, error) {
	s, err := d.store.Sale(ctx, id)
	if err != nil {
		return core.SaleState{}, err
	}
	return s.State, nil
}
