package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// CreateSale implements catalog.Program.
func (s *Catalog) CreateSale(_ context.Context, sale catalog.Sale, perfs []catalog.Performance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sales[sale.ID]; ok {
		return catalog.ErrSaleExists
	}
	s.sales[sale.ID] = &sale
	s.saleOrder = append(s.saleOrder, sale.ID)
	for _, p := range perfs {
		s.addPerformance(p)
	}
	s.changes.announce(sale.ID)
	return nil
}

func (s *state) addPerformance(p catalog.Performance) {
	p.Sections = slices.Clone(p.Sections)
	s.performances[perfKey{p.SaleID, p.Date}] = &p
	for n := 1; n <= p.Seats(); n++ {
		s.seats[seatKey{p.SaleID, p.Date, n}] = &catalog.Claim{}
	}
}

// Sale implements catalog.Program.
func (s *Catalog) Sale(_ context.Context, id core.SaleID) (catalog.Sale, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sale, ok := s.sales[id]
	if !ok {
		return catalog.Sale{}, catalog.ErrUnknownSale
	}
	return *sale, nil
}

// Sales implements catalog.Program.
func (s *Catalog) Sales(context.Context) ([]catalog.Sale, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]catalog.Sale, len(s.saleOrder))
	for i, id := range s.saleOrder {
		out[i] = *s.sales[id]
	}
	return out, nil
}

// UpdateSale implements catalog.Program.
func (s *Catalog) UpdateSale(_ context.Context, id core.SaleID, change func(catalog.Sale) (catalog.Sale, error)) (catalog.Sale, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sale, ok := s.sales[id]
	if !ok {
		return catalog.Sale{}, catalog.ErrUnknownSale
	}
	changed, err := change(*sale)
	if err != nil {
		return catalog.Sale{}, err
	}
	if e, ok := webhook.SaleStateChangedEvent(*sale, changed, s.clock.Now()); ok {
		s.publish(e)
	}
	from := sale.State
	*sale = changed
	for k := range s.performances {
		switch {
		case k.sale != id || from == changed.State:
		case changed.State == core.Closed: // its lines will never move
			s.expireWaiting(id, k.date)
		case changed.State == core.OnSale: // what came back while it was off sale went to nobody
			s.offerReturnedSeats(id, k.date)
		}
	}
	s.changes.announce(id)
	return changed, nil
}

// AddPerformance implements catalog.Program.
func (s *Catalog) AddPerformance(_ context.Context, p catalog.Performance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sales[p.SaleID]; !ok {
		return catalog.ErrUnknownSale
	}
	if _, ok := s.performances[perfKey{p.SaleID, p.Date}]; ok {
		return catalog.ErrDateExists
	}
	s.addPerformance(p)
	s.changes.announce(p.SaleID)
	return nil
}

// Performances implements catalog.Program.
func (s *Catalog) Performances(_ context.Context, sale core.SaleID) ([]catalog.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []catalog.Performance
	for k, p := range s.performances {
		if k.sale == sale {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b catalog.Performance) int { return a.Date.Time().Compare(b.Date.Time()) })
	return out, nil
}

// PerformancesOfSales implements catalog.Program.
func (s *Catalog) PerformancesOfSales(ctx context.Context, sales []core.SaleID) (map[core.SaleID][]catalog.Performance, error) {
	out := make(map[core.SaleID][]catalog.Performance, len(sales))
	for _, sale := range sales {
		perfs, err := s.Performances(ctx, sale)
		if err != nil {
			return nil, err
		}
		out[sale] = perfs
	}
	return out, nil
}

// Performance implements catalog.Program.
func (s *Catalog) Performance(_ context.Context, sale core.SaleID, d core.Date) (catalog.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return catalog.Performance{}, catalog.ErrUnknownDate
	}
	return *p, nil
}

// CancelPerformance implements catalog.Program.
func (s *Catalog) CancelPerformance(_ context.Context, sale core.SaleID, d core.Date, at time.Time) (catalog.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return catalog.Performance{}, catalog.ErrUnknownDate
	}
	if !p.Cancelled() {
		p.CancelledAt = at
		s.expireWaiting(sale, d)
		s.publish(webhook.PerformanceCancelledEvent(*p))
		s.changes.announce(sale)
	}
	return *p, nil
}

// Offer implements catalog.Program.
func (s *Catalog) Offer(_ context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.sales[sale]
	if !ok {
		return catalog.Offer{}, catalog.ErrUnknownSale
	}
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return catalog.Offer{}, catalog.ErrUnknownDate
	}
	return catalog.Offer{Sale: *sl, Performance: *p}, nil
}

// CachedOffer implements catalog.Program: the memory store is its own cache.
func (s *Catalog) CachedOffer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error) {
	return s.Offer(ctx, sale, d)
}

// seat is one seat as fans see it at now: a seat held or sold at the price it was taken at,
// a free one at its section's.
func (s *state) seat(sale core.SaleID, d core.Date, n int, sec catalog.Section, now time.Time) catalog.Seat {
	claim := s.seats[seatKey{sale, d, n}]
	seat := catalog.Seat{No: n, Status: claim.StatusAt(now), Section: sec.Name, Price: sec.Price}
	if r, taken := s.reservations[claim.Holder]; taken && seat.Status == catalog.SeatReserved {
		seat.Price = r.Price
	}
	return seat
}

// OnChange implements catalog.Changes: the store's own writes are the only ones there are.
func (s *Catalog) OnChange(changed func(core.SaleID)) { s.changes.watch(changed) }

// RepriceSection implements catalog.Program.
func (s *Catalog) RepriceSection(_ context.Context, sale core.SaleID, d core.Date, name string, price core.Amount, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return 0, catalog.ErrUnknownDate
	}
	i := slices.IndexFunc(p.Sections, func(sec catalog.Section) bool { return sec.Name == name })
	if i < 0 {
		return 0, catalog.ErrUnknownSection
	}
	// Copy on write: performances read before share the old sections, which never change.
	sections := slices.Clone(p.Sections)
	sections[i].Price = price
	p.Sections = sections
	s.changes.announce(sale)
	repriced := 0
	for n := p.Sections[i].FirstSeat; n <= p.Sections[i].LastSeat; n++ {
		if s.seats[seatKey{sale, d, n}].AvailableAt(now) {
			repriced++
		}
	}
	return repriced, nil
}
