package cache

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// seats is a catalog.Seating whose Seats answers from snapshots.
type seats struct {
	catalog.Seating
	snapshots seatSnapshots
}

// Seats implements catalog.Seating from a snapshot at most the staleness old at now. The slice
// is shared: callers must not change it.
func (s *seats) Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	return s.snapshots.seats(ctx, dateKey{sale, d}, now, func(ctx context.Context) ([]catalog.Seat, error) {
		return s.Seating.Seats(ctx, sale, d, now)
	})
}

// seatSnapshots keep each date's seat list for up to the staleness. One read serves every
// request that arrives while it runs and until it is too old.
type seatSnapshots struct {
	staleness time.Duration
	mu        sync.Mutex
	byDate    map[dateKey]*seatSnapshot
}

type dateKey struct {
	sale core.SaleID
	date core.Date
}

// seatSnapshot is one read of a date's seats; ready closes when it has its answer.
type seatSnapshot struct {
	ready chan struct{}
	at    time.Time // when the read began: its seats are at least as new
	seats []catalog.Seat
	err   error
}

// seats returns a snapshot of the date's seats no older than the staleness at now, reading one
// with read if there is none. A failed read is not kept.
func (s *seatSnapshots) seats(ctx context.Context, k dateKey, now time.Time, read func(context.Context) ([]catalog.Seat, error)) ([]catalog.Seat, error) {
	if s.staleness <= 0 {
		return read(ctx)
	}
	s.mu.Lock()
	snap := s.byDate[k]
	if snap == nil || now.Sub(snap.at) > s.staleness {
		snap = &seatSnapshot{ready: make(chan struct{}), at: now}
		if s.byDate == nil {
			s.byDate = map[dateKey]*seatSnapshot{}
		}
		s.byDate[k] = snap
		s.mu.Unlock()
		s.read(ctx, k, snap, read)
	} else {
		s.mu.Unlock()
	}
	select {
	case <-snap.ready:
		return snap.seats, snap.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// read fills snap and releases everyone waiting for it, even if read panics; a failed read is
// dropped, so the next listing reads again. The read serves every fan waiting for it, so one
// who leaves does not end it.
func (s *seatSnapshots) read(ctx context.Context, k dateKey, snap *seatSnapshot, read func(context.Context) ([]catalog.Seat, error)) {
	snap.err = errors.New("the seat listing could not be read")
	defer func() {
		if snap.err != nil {
			s.mu.Lock()
			if s.byDate[k] == snap {
				delete(s.byDate, k)
			}
			s.mu.Unlock()
		}
		close(snap.ready)
	}()
	readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	snap.seats, snap.err = read(readCtx)
}

// changed drops every snapshot of a sale's dates, so the next listing of each reads it: what a
// sale offers changed (a price, a cancelled date).
func (s *seatSnapshots) changed(sale core.SaleID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.byDate {
		if k.sale == sale {
			delete(s.byDate, k)
		}
	}
}
