// Package memory implements every store port of core in process memory: the default of
// `boxoffice dev` and the fast double in tests. It passes the same contract suite as the
// PostgreSQL adapter (core/porttest), following the same rule definitions (catalog.Claim,
// booking.Reservation, queue.Round) instead of copies of them.
package memory

import (
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Store holds tokens, performances, seats, reservations, wallets and payments behind one lock,
// so each method is one atomic step, as a database transaction would be.
type Store struct {
	mu sync.Mutex

	queue      queue.Queue
	tokens     map[core.ID]*queue.Token
	bySeq      map[int64]*queue.Token
	lastSeen   map[core.ID]time.Time
	liveByUser map[core.UserID]core.ID

	performances map[core.Date]catalog.Performance
	seats        map[seatKey]*catalog.Claim
	reservations map[core.ID]*booking.Reservation

	balances map[core.UserID]core.Amount
	payments map[core.ID]booking.Receipt // by reservation

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

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		tokens:        map[core.ID]*queue.Token{},
		bySeq:         map[int64]*queue.Token{},
		lastSeen:      map[core.ID]time.Time{},
		liveByUser:    map[core.UserID]core.ID{},
		performances:  map[core.Date]catalog.Performance{},
		seats:         map[seatKey]*catalog.Claim{},
		reservations:  map[core.ID]*booking.Reservation{},
		balances:      map[core.UserID]core.Amount{},
		payments:      map[core.ID]booking.Receipt{},
		chargesByKey:  map[userKey]keyedCharge{},
		paymentsByKey: map[userKey]core.ID{},
	}
}

var (
	_ queue.Store         = (*Store)(nil)
	_ catalog.Store       = (*Store)(nil)
	_ booking.Store       = (*Store)(nil)
	_ booking.Settlements = (*Store)(nil)
	_ wallet.Store        = (*Store)(nil)
)

func (s *Store) expire(t *queue.Token) {
	t.State = queue.Expired
	if s.liveByUser[t.UserID] == t.ID {
		delete(s.liveByUser, t.UserID)
	}
}
