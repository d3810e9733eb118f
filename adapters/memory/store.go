// Package memory implements every driven port of core in process memory: the default of
// `boxoffice dev` and the fast double in tests. It passes the same contract suite as the
// PostgreSQL adapter (core/porttest).
package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store holds tokens, performances, seats, reservations, wallets and payments behind one lock,
// so each method is one atomic step, as a database transaction would be.
type Store struct {
	*Locks // idempotency-key locks, in the same process

	mu sync.Mutex

	nextSeq    int64
	tokens     map[core.ID]*core.QueueToken
	liveByUser map[core.UserID]core.ID

	performances map[core.Date]core.Performance
	seats        map[seatKey]*seat
	reservations map[core.ID]*core.Reservation

	balances map[core.UserID]core.Amount
	payments map[core.ID]core.Receipt // by reservation

	chargesByKey  map[userKey]keyedCharge
	paymentsByKey map[userKey]core.ID // reservation paid with the key
}

// userKey scopes an idempotency key to its user.
type userKey struct {
	user core.UserID
	key  core.IdempotencyKey
}

// keyedCharge is what a charge made with an idempotency key did.
type keyedCharge struct {
	amount, balanceAfter core.Amount
}

type seatKey struct {
	date core.Date
	no   int
}

// seat is the arbiter of holds: who holds it, until when, or that it is sold.
type seat struct {
	holder    core.ID // reservation holding or owning the seat; empty when free
	heldUntil time.Time
	sold      bool
}

func (s *seat) availableAt(now time.Time) bool {
	return !s.sold && (s.holder == "" || !now.Before(s.heldUntil))
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		Locks:        NewLocks(),
		tokens:       map[core.ID]*core.QueueToken{},
		liveByUser:   map[core.UserID]core.ID{},
		performances: map[core.Date]core.Performance{},
		seats:        map[seatKey]*seat{},
		reservations: map[core.ID]*core.Reservation{},
		balances:     map[core.UserID]core.Amount{},
		payments:     map[core.ID]core.Receipt{},

		chargesByKey:  map[userKey]keyedCharge{},
		paymentsByKey: map[userKey]core.ID{},
	}
}

var (
	_ core.TokenStore       = (*Store)(nil)
	_ core.Catalog          = (*Store)(nil)
	_ core.ReservationStore = (*Store)(nil)
	_ core.WalletStore      = (*Store)(nil)
)

// IssueToken implements core.TokenStore.
func (s *Store) IssueToken(_ context.Context, user core.UserID, now time.Time) (core.QueueToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.liveByUser[user]; ok {
		if t := s.tokens[id]; t.Live(now) {
			return *t, nil
		}
		s.expire(s.tokens[id])
	}
	s.nextSeq++
	t := &core.QueueToken{ID: core.NewID(), UserID: user, Seq: s.nextSeq, State: core.TokenWaiting, IssuedAt: now}
	s.tokens[t.ID] = t
	s.liveByUser[user] = t.ID
	return *t, nil
}

// Token implements core.TokenStore.
func (s *Store) Token(_ context.Context, id core.ID) (core.QueueToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return core.QueueToken{}, core.ErrTokenUnknown
	}
	return *t, nil
}

// WaitingAhead implements core.TokenStore.
func (s *Store) WaitingAhead(_ context.Context, seq int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, t := range s.tokens {
		if t.State == core.TokenWaiting && t.Seq < seq {
			n++
		}
	}
	return n, nil
}

// Admit implements core.TokenStore.
func (s *Store) Admit(_ context.Context, batch, maxActive int, session time.Duration, now time.Time) (core.AdmissionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res core.AdmissionResult
	var waiting []*core.QueueToken
	active := 0
	for _, t := range s.tokens {
		switch {
		case t.State == core.TokenActive && !now.Before(t.ExpiresAt):
			s.expire(t)
			res.Expired++
		case t.State == core.TokenActive:
			active++
		case t.State == core.TokenWaiting:
			waiting = append(waiting, t)
		}
	}
	slices.SortFunc(waiting, func(a, b *core.QueueToken) int { return cmp.Compare(a.Seq, b.Seq) })
	n := min(batch, maxActive-active, len(waiting))
	for _, t := range waiting[:max(n, 0)] {
		t.State, t.AdmittedAt, t.ExpiresAt = core.TokenActive, now, now.Add(session)
		res.Admitted++
	}
	return res, nil
}

// QueueStats implements core.TokenStore.
func (s *Store) QueueStats(_ context.Context) (core.QueueStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st core.QueueStats
	for _, t := range s.tokens {
		switch t.State {
		case core.TokenWaiting:
			st.Waiting++
		case core.TokenActive:
			st.Active++
		}
	}
	return st, nil
}

func (s *Store) expire(t *core.QueueToken) {
	t.State = core.TokenExpired
	if s.liveByUser[t.UserID] == t.ID {
		delete(s.liveByUser, t.UserID)
	}
}
