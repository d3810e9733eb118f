package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// AddPerformance implements catalog.Store.
func (s *Store) AddPerformance(_ context.Context, p catalog.Performance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.performances[p.Date]; ok {
		return nil
	}
	s.performances[p.Date] = p
	for n := 1; n <= p.Seats; n++ {
		s.seats[seatKey{p.Date, n}] = &catalog.Claim{}
	}
	return nil
}

// Performance implements catalog.Store.
func (s *Store) Performance(_ context.Context, d core.Date) (catalog.Performance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[d]
	if !ok {
		return catalog.Performance{}, catalog.ErrUnknownDate
	}
	return p, nil
}

// OpenDates implements catalog.Store.
func (s *Store) OpenDates(_ context.Context, from core.Date, now time.Time) ([]core.Date, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dates := []core.Date{}
	for d, p := range s.performances {
		if d.Before(from) {
			continue
		}
		for n := 1; n <= p.Seats; n++ {
			if s.seats[seatKey{d, n}].AvailableAt(now) {
				dates = append(dates, d)
				break
			}
		}
	}
	slices.SortFunc(dates, func(a, b core.Date) int { return a.Time().Compare(b.Time()) })
	return dates, nil
}

// Seats implements catalog.Store.
func (s *Store) Seats(_ context.Context, d core.Date, now time.Time) ([]catalog.Seat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.performances[d]
	if !ok {
		return nil, catalog.ErrUnknownDate
	}
	seats := make([]catalog.Seat, p.Seats)
	for n := 1; n <= p.Seats; n++ {
		seats[n-1] = catalog.Seat{No: n, Status: s.seats[seatKey{d, n}].StatusAt(now)}
	}
	return seats, nil
}
