package catalog

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Policy is how the catalog serves fans who browse.
type Policy struct {
	// SeatsStaleness is how old a seat listing may be (BOXOFFICE_SEATS_STALENESS): an
	// instance reads a date's seats at most once per SeatsStaleness however many fans ask,
	// and takes a fan's token for admitted for as long after the gate said so. Holds never
	// read a listing: the store decides each. Zero reads both on every request.
	SeatsStaleness time.Duration
}

// DefaultPolicy lists seats at most a quarter of a second old.
var DefaultPolicy = Policy{SeatsStaleness: 250 * time.Millisecond}

// Validate reports the first rule the policy breaks.
func (p Policy) Validate() error {
	if p.SeatsStaleness < 0 || p.SeatsStaleness > 5*time.Second {
		return errors.New("seat listing staleness must be between 0 and 5s")
	}
	return nil
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
	seats []Seat
	err   error
}

// seats returns a snapshot of the date's seats no older than the staleness at now, reading one
// with read if there is none. A failed read is not kept. The slice is shared: callers must not
// change it.
func (s *seatSnapshots) seats(ctx context.Context, k dateKey, now time.Time, read func(context.Context) ([]Seat, error)) ([]Seat, error) {
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
func (s *seatSnapshots) read(ctx context.Context, k dateKey, snap *seatSnapshot, read func(context.Context) ([]Seat, error)) {
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

// admittedVerdicts remember, for up to the staleness, the tokens the gate found admitted, so
// a fan browsing page after page is not read from the store on each. Bounded: past maxVerdicts
// tokens it starts afresh.
type admittedVerdicts struct {
	staleness time.Duration
	mu        sync.Mutex
	byToken   map[core.ID]admittedVerdict
}

type admittedVerdict struct {
	user  core.UserID
	sale  core.SaleID
	until time.Time
}

const maxVerdicts = 100_000

// admitted answers as gate.Admitted does, from a verdict younger than the staleness if there is
// one.
func (v *admittedVerdicts) admitted(ctx context.Context, gate Gate, c core.Caller, now time.Time) (core.UserID, core.SaleID, error) {
	if v.staleness <= 0 {
		return gate.Admitted(ctx, c)
	}
	v.mu.Lock()
	got, ok := v.byToken[c.TokenID]
	v.mu.Unlock()
	// The claims must be those the gate checked: a token id alone proves nothing.
	if ok && now.Before(got.until) && got.user == c.UserID && (c.SaleID == "" || got.sale == c.SaleID) {
		return got.user, got.sale, nil
	}
	user, sale, err := gate.Admitted(ctx, c)
	if err != nil {
		return user, sale, err
	}
	v.mu.Lock()
	if v.byToken == nil || len(v.byToken) >= maxVerdicts {
		v.byToken = map[core.ID]admittedVerdict{}
	}
	v.byToken[c.TokenID] = admittedVerdict{user: user, sale: sale, until: now.Add(v.staleness)}
	v.mu.Unlock()
	return user, sale, nil
}
