package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// OpenDates implements catalog.Seating.
func (s *Seating) OpenDates(_ context.Context, sale core.SaleID, from core.Date, now time.Time) ([]core.Date, error) {
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

// OpenDatesOfSales implements catalog.Seating.
func (s *Seating) OpenDatesOfSales(ctx context.Context, sales []core.SaleID, from core.Date, now time.Time) (map[core.SaleID][]core.Date, error) {
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

// Seats implements catalog.Seating.
func (s *Seating) Seats(_ context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
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

// SeatsOfFan implements catalog.Seating.
func (s *Seating) SeatsOfFan(_ context.Context, sale core.SaleID, d core.Date, user core.UserID, now time.Time) ([]catalog.Seat, error) {
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

// SeatCounts implements catalog.Seating.
func (s *Seating) SeatCounts(_ context.Context, sale core.SaleID, now time.Time) (map[core.Date]catalog.SeatCounts, error) {
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
