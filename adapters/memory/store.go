// Package memory implements every driven port of core in process memory: the default of
// `boxoffice dev` and the fast double in tests. It passes the same contract suite as the
// PostgreSQL adapter (core/porttest).
package memory

import (
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store holds tokens, performances, seats, reservations, wallets and payments behind one lock,
// so each method is one atomic step, as a database transaction would be.
type Store struct {
	*Locks // idempotency-key locks, in the same process

	mu sync.Mutex

	queue      core.Queue
	tokens     map[core.ID]*core.QueueToken
	bySeq      map[int64]*core.QueueToken
	lastSeen   map[core.ID]time.Time
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
		bySeq:        map[int64]*core.QueueToken{},
		lastSeen:     map[core.ID]time.Time{},
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

func (s *Store) expire(t *core.QueueToken) {
	t.State = core.TokenExpired
	if s.liveByUser[t.UserID] == t.ID {
		delete(s.liveByUser, t.UserID)
	}
}
