package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// CreateSale implements catalog.Store.
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

// Sale implements catalog.Store.
func (s *Catalog) Sale(_ context.Context, id core.SaleID) (catalog.Sale, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sale, ok := s.sales[id]
	if !ok {
		return catalog.Sale{}, catalog.ErrUnknownSale
	}
	return *sale, nil
}

// Sales implements catalog.Store.
func (s *Catalog) Sales(context.Context) ([]catalog.Sale, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]catalog.Sale, len(s.saleOrder))
	for i, id := range s.saleOrder {
		out[i] = *s.sales[id]
	}
	return out, nil
}

// UpdateSale implements catalog.Store.
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
	*sale = changed
	s.changes.announce(id)
	return changed, nil
}

// AddPerformance implements catalog.Store.
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

// Performances implements catalog.Store.
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

// PerformancesOfSales implements catalog.Store.
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

// Performance implements catalog.Store.
func (s *Catalog) Performance(_ context.Context, sale core.SaleID, d core.Date) (catalog.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return catalog.Performance{}, catalog.ErrUnknownDate
	}
	return *p, nil
}

// CancelPerformance implements catalog.Store.
func (s *Catalog) CancelPerformance(_ context.Context, sale core.SaleID, d core.Date, at time.Time) (catalog.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return catalog.Performance{}, catalog.ErrUnknownDate
	}
	if !p.Cancelled() {
		p.CancelledAt = at
		s.changes.announce(sale)
	}
	return *p, nil
}

// Offer implements catalog.Store.
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

// CachedOffer implements catalog.Store: the memory store is its own cache.
func (s *Catalog) CachedOffer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error) {
	return s.Offer(ctx, sale, d)
}

// OpenDates implements catalog.Store.
func (s *Catalog) OpenDates(_ context.Context, sale core.SaleID, from core.Date, now time.Time) ([]core.Date, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dates := []core.Date{}
	for k, p := range s.performances {
		if k.sale != sale || k.date.Before(from) || p.Cancelled() {
			continue
		}
		for n := 1; n <= p.Seats(); n++ {
			if s.seats[seatKey{sale, k.date, n}].AvailableAt(now) {
				dates = append(dates, k.date)
				break
			}
		}
	}
	slices.SortFunc(dates, func(a, b core.Date) int { return a.Time().Compare(b.Time()) })
	return dates, nil
}

// OpenDatesOfSales implements catalog.Store.
func (s *Catalog) OpenDatesOfSales(ctx context.Context, sales []core.SaleID, from core.Date, now time.Time) (map[core.SaleID][]core.Date, error) {
	out := make(map[core.SaleID][]core.Date, len(sales))
	for _, sale := range sales {
		dates, err := s.OpenDates(ctx, sale, from, now)
		if err != nil {
			return nil, err
		}
		out[sale] = dates
	}
	return out, nil
}

// Seats implements catalog.Store.
func (s *Catalog) Seats(_ context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return nil, catalog.ErrUnknownDate
	}
	if err := p.CheckOn(); err != nil {
		return nil, err
	}
	seats := make([]catalog.Seat, 0, p.Seats())
	for _, sec := range p.Sections {
		for n := sec.FirstSeat; n <= sec.LastSeat; n++ {
			seats = append(seats, s.seat(sale, d, n, sec, now))
		}
	}
	return seats, nil
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

// SeatsOfFan implements catalog.Store.
func (s *Catalog) SeatsOfFan(_ context.Context, sale core.SaleID, d core.Date, user core.UserID, now time.Time) ([]catalog.Seat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[perfKey{sale, d}]
	if !ok {
		return nil, catalog.ErrUnknownDate
	}
	var out []catalog.Seat
	for _, r := range s.reservations {
		if r.SaleID != sale || r.Date != d || r.UserID != user || slices.ContainsFunc(out, func(st catalog.Seat) bool { return st.No == r.Seat }) {
			continue
		}
		if sec, ok := p.SectionOf(r.Seat); ok {
			out = append(out, s.seat(sale, d, r.Seat, sec, now))
		}
	}
	slices.SortFunc(out, func(a, b catalog.Seat) int { return a.No - b.No })
	return out, nil
}

// OnChange implements catalog.Changes: the store's own writes are the only ones there are.
func (s *Catalog) OnChange(changed func(core.SaleID)) { s.changes.watch(changed) }

// SeatCounts implements catalog.Store.
func (s *Catalog) SeatCounts(_ context.Context, sale core.SaleID, now time.Time) (map[core.Date]catalog.SeatCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[core.Date]catalog.SeatCounts{}
	for k, p := range s.performances {
		if k.sale != sale {
			continue
		}
		var c catalog.SeatCounts
		for n := 1; n <= p.Seats(); n++ {
			switch claim := s.seats[seatKey{sale, k.date, n}]; {
			case claim.Sold:
				c.Sold++
			case claim.AvailableAt(now):
				c.Available++
			default:
				c.Held++
			}
		}
		out[k.date] = c
	}
	return out, nil
}

// RepriceSection implements catalog.Store.
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
