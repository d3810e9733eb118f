// Package memory implements every store port of core in process memory: the default of
// `boxoffice dev` and the fast double in tests. It passes the same contract suite as the
// PostgreSQL adapter (core/porttest), following the same rule definitions (catalog.Claim,
// booking.Reservation, booking.TicketCount, queue.Round) instead of copies of them.
package memory

import (
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Store holds sales, tokens, seats, reservations, wallets and payments behind one lock, so
// each method is one atomic step, as a database transaction would be. Each context's port is a
// type of its own over that state (Tokens, Catalog, Bookings, Settlements, Wallets); Store
// embeds them all, so one value also serves every port, as tests that wrap it rely on.
type Store struct {
	*state
	*Tokens
	*Catalog
	*Seating
	*Holds
	*Orders
	*TicketBook
	*Settlements
	*Wallets
	*Webhooks
	*Waitlists
	*EntryStore
}

// Tokens implements queue.Store.
type Tokens struct{ *state }

// Catalog implements catalog.Program.
type Catalog struct{ *state }

// Seating implements catalog.Seating.
type Seating struct{ *state }

// Holds implements booking.Holds.
type Holds struct{ *state }

// Orders implements booking.Orders.
type Orders struct{ *state }

// TicketBook implements booking.TicketBook.
type TicketBook struct{ *state }

// Settlements implements booking.Settlements.
type Settlements struct{ *state }

// Wallets implements wallet.Store.
type Wallets struct{ *state }

// state is the store's one lock and what it guards.
type state struct {
	mu sync.Mutex

	queues     map[core.SaleID]*saleQueue
	tokens     map[core.ID]*queue.Token
	lastSeen   map[core.ID]time.Time
	liveByUser map[saleUser]core.ID

	sales        map[core.SaleID]*catalog.Sale
	saleOrder    []core.SaleID // oldest first
	performances map[perfKey]*catalog.Performance
	seats        map[seatKey]*catalog.Claim
	reservations map[core.ID]*booking.Reservation
	orders       map[core.ID]*storedOrder

	balances map[core.UserID]core.Amount
	payments map[core.ID]booking.Receipt // by reservation
	refunds  map[core.ID]booking.Refund  // by reservation
	checkIns map[core.ID]time.Time       // by reservation

	chargesByKey  map[userKey]keyedCharge
	paymentsByKey map[userKey]core.ID // reservation paid with the key
	refundsByKey  map[userKey]core.ID // reservation refunded with the key

	changes watchers // of the catalog's changes

	outbox    outbox     // the events of every change above, and the webhooks' endpoints
	lines     lines      // the waitlists
	fairEntry entryState // spent proofs, quotas and access codes

	// clock stamps what no caller dates: the offers the store makes when seats come back, and
	// a sale's state change.
	clock core.Clock
}

// saleQueue is one sale's waiting room.
type saleQueue struct {
	queue.Queue
	bySeq map[int64]*queue.Token
}

type saleUser struct {
	sale core.SaleID
	user core.UserID
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

type perfKey struct {
	sale core.SaleID
	date core.Date
}

type seatKey struct {
	sale core.SaleID
	date core.Date
	no   int
}

// NewStore returns an empty store.
func NewStore() *Store {
	st := &state{
		queues:        map[core.SaleID]*saleQueue{},
		tokens:        map[core.ID]*queue.Token{},
		lastSeen:      map[core.ID]time.Time{},
		liveByUser:    map[saleUser]core.ID{},
		sales:         map[core.SaleID]*catalog.Sale{},
		performances:  map[perfKey]*catalog.Performance{},
		seats:         map[seatKey]*catalog.Claim{},
		reservations:  map[core.ID]*booking.Reservation{},
		orders:        map[core.ID]*storedOrder{},
		balances:      map[core.UserID]core.Amount{},
		payments:      map[core.ID]booking.Receipt{},
		refunds:       map[core.ID]booking.Refund{},
		checkIns:      map[core.ID]time.Time{},
		refundsByKey:  map[userKey]core.ID{},
		chargesByKey:  map[userKey]keyedCharge{},
		paymentsByKey: map[userKey]core.ID{},
		outbox:        newOutbox(),
		lines:         newLines(),
		fairEntry:     newEntryState(),
		clock:         core.SystemClock{},
	}
	return &Store{state: st, Tokens: &Tokens{st}, Catalog: &Catalog{st}, Seating: &Seating{st}, Holds: &Holds{st}, Orders: &Orders{st}, TicketBook: &TicketBook{st},
		Settlements: &Settlements{st}, Wallets: &Wallets{st}, Webhooks: &Webhooks{st}, Waitlists: &Waitlists{st}, EntryStore: &EntryStore{st}}
}

// UseClock has the store date what no caller dates (offers, sale state changes) by c, as a
// test's skipped time; the system clock by default. Call it before the store is used.
func (s *Store) UseClock(c core.Clock) { s.clock = c }

// Stores are the store of each context, for app.New.
func (s *Store) Stores() app.Stores {
	return app.Stores{
		Queue: s.Tokens, Catalog: app.CatalogStore{Program: s.Catalog, Seating: s.Seating},
		Bookings: app.BookingStore{Holds: s.Holds, Orders: s.Orders, TicketBook: s.TicketBook}, Settlements: s.Settlements, Wallets: s.Wallets, Webhooks: s.Webhooks, Waitlists: s.Waitlists,
		Entry: s.EntryStore,
	}
}

var (
	_ queue.Store         = (*Tokens)(nil)
	_ entry.Store         = (*EntryStore)(nil)
	_ catalog.Program     = (*Catalog)(nil)
	_ catalog.Seating     = (*Seating)(nil)
	_ booking.Holds       = (*Holds)(nil)
	_ booking.Orders      = (*Orders)(nil)
	_ booking.TicketBook  = (*TicketBook)(nil)
	_ booking.Settlements = (*Settlements)(nil)
	_ wallet.Store        = (*Wallets)(nil)
	_ app.EveryStore      = (*Store)(nil)
)

// queueOf is a sale's queue, created empty on first use.
func (s *state) queueOf(sale core.SaleID) *saleQueue {
	q, ok := s.queues[sale]
	if !ok {
		q = &saleQueue{bySeq: map[int64]*queue.Token{}}
		s.queues[sale] = q
	}
	return q
}

func (s *state) expire(t *queue.Token) {
	t.State = queue.Expired
	k := saleUser{t.SaleID, t.UserID}
	if s.liveByUser[k] == t.ID {
		delete(s.liveByUser, k)
	}
}
