package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// AddPerformance implements core.Catalog.
func (s *Store) AddPerformance(_ context.Context, p core.Performance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.performances[p.Date]; ok {
		return nil
	}
	s.performances[p.Date] = p
	for n := 1; n <= p.Seats; n++ {
		s.seats[seatKey{p.Date, n}] = &seat{}
	}
	return nil
}

// Performance implements core.Catalog.
func (s *Store) Performance(_ context.Context, d core.Date) (core.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[d]
	if !ok {
		return core.Performance{}, core.ErrUnknownDate
	}
	return p, nil
}

// OpenDates implements core.Catalog.
func (s *Store) OpenDates(_ context.Context, from core.Date, now time.Time) ([]core.Date, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dates := []core.Date{}
	for d, p := range s.performances {
		if d.Before(from) {
			continue
		}
		for n := 1; n <= p.Seats; n++ {
			if s.seats[seatKey{d, n}].availableAt(now) {
				dates = append(dates, d)
				break
			}
		}
	}
	slices.SortFunc(dates, func(a, b core.Date) int { return a.Time().Compare(b.Time()) })
	return dates, nil
}

// Seats implements core.Catalog.
func (s *Store) Seats(_ context.Context, d core.Date, now time.Time) ([]core.Seat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[d]
	if !ok {
		return nil, core.ErrUnknownDate
	}
	seats := make([]core.Seat, p.Seats)
	for n := 1; n <= p.Seats; n++ {
		st := core.SeatReserved
		if s.seats[seatKey{d, n}].availableAt(now) {
			st = core.SeatAvailable
		}
		seats[n-1] = core.Seat{No: n, Status: st}
	}
	return seats, nil
}
