// Package app composes the contexts' use cases into the application that the HTTP edge and
// the workflows drive: one queue, one catalog, one booking counter and one wallet over a set
// of ports. cmd builds it over PostgreSQL and Temporal, tests over the memory adapter.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Stores are the store of each context. An adapter may serve every port with one value
// (StoresOf) or each with its own; a test may mix them.
type Stores struct {
	Queue       queue.Store
	Catalog     catalog.Store
	Bookings    booking.Store
	Settlements booking.Settlements
	Wallets     wallet.Store
	Webhooks    webhook.Store
	Waitlists   waitlist.Store
	Entry       entry.Store
}

// EveryStore is a value that implements every store port.
type EveryStore interface {
	queue.Store
	catalog.Store
	booking.Store
	booking.Settlements
	wallet.Store
	webhook.Store
	waitlist.Store
	entry.Store
}

// CatalogStore is catalog.Store of a Program and a Seating served apart: each adapter's two
// types, or a copy in front of the Seating.
type CatalogStore struct {
	catalog.Program
	catalog.Seating
}

// BookingStore is booking.Store of Holds, Orders and a TicketBook served apart.
type BookingStore struct {
	booking.Holds
	booking.Orders
	booking.TicketBook
}

// StoresOf is the Stores of one value that serves every port.
func StoresOf(s EveryStore) Stores {
	return Stores{Queue: s, Catalog: s, Bookings: s, Settlements: s, Wallets: s, Webhooks: s, Waitlists: s, Entry: s}
}

func (s Stores) complete() bool {
	return s.Queue != nil && s.Catalog != nil && s.Bookings != nil && s.Settlements != nil && s.Wallets != nil && s.Webhooks != nil && s.Waitlists != nil && s.Entry != nil
}

// Ports are what the application runs on.
type Ports struct {
	Stores Stores
	Loop   queue.Loop // the admission loop
	// Lifecycle builds the holds' lifecycle; it is given the Settler a lifecycle that settles
	// in process calls back (Temporal's runs in the worker and calls it there).
	Lifecycle func(*booking.Settler) booking.Lifecycle
	// Cancellations builds what carries performances' cancellations through, given the
	// Refunder whose rounds it runs.
	Cancellations func(*booking.Refunder) booking.Cancellations
	Clock         core.Clock
	// Observer hears what the booking path decides, for metrics; nil hears nothing.
	Observer booking.Observer
	// Webhooks are how the webhooks' events reach their endpoints: the couriers that start
	// each endpoint's deliveries (nil: endpoints cannot be registered here), the sender a
	// worker delivers with (nil in an API alone) and the destinations allowed.
	Webhooks WebhookPorts
	// Entry is the door's key and observer.
	Entry EntryPorts
	// Copies, if set, put copies kept in process in front of what fans read most, so a rush
	// costs the store one read per copy's age (adapters/cache); nil: every read reaches the
	// store.
	Copies Copies
}

// Copies wrap the ports fans read most with copies: a date's seats and the verdicts on admitted
// tokens (up to Policy.Catalog.SeatsStaleness old), the directory of sales (up to
// catalog.DirectoryRefresh), the queue's counters (up to Policy.Queue.Refresh). changes drop
// what a sale's change makes stale.
type Copies interface {
	Seating(seating catalog.Seating, changes catalog.Changes) catalog.Seating
	Gate(gate catalog.Gate) catalog.Gate
	Lister(lister catalog.Lister, changes catalog.Changes) catalog.Lister
	// Counters copies the queue's counters for up to refresh (Policy.Queue.Refresh).
	Counters(counters queue.Counters, refresh time.Duration) queue.Counters
	// Lines copies each date's waitlist, which fans' places are counted from.
	Lines(lines waitlist.Lines) waitlist.Lines
}

// WebhookPorts are the webhooks' ports beyond their store.
type WebhookPorts struct {
	Couriers     webhook.Couriers
	Sender       webhook.Sender
	Destinations webhook.Destinations
	Observer     webhook.Observer // nil hears nothing
}

// EntryPorts are the door's ports beyond its store.
type EntryPorts struct {
	// ChallengeKey signs the proof-of-work challenges; every instance must share it. Nil: a
	// random key, good for one process.
	ChallengeKey []byte
	Observer     entry.Observer // nil hears nothing
}

// Policy is the operator-set rules of every context.
type Policy struct {
	Queue   queue.Policy
	Catalog catalog.Policy
	Booking booking.Policy
	// WaitlistOfferTTL is how long a waitlist offer is held for its fan.
	WaitlistOfferTTL time.Duration
	// JoinPerAddress is how many new tokens one client address may take in a sale each
	// minute; 0: no quota.
	JoinPerAddress int
	// DefaultSale is the sale the seed's endpoints mean when they name none; empty: the
	// earliest-created sale on sale or paused.
	DefaultSale core.SaleID
}

// DefaultPolicy is the policy of `boxoffice dev` and the flags' defaults.
var DefaultPolicy = Policy{Queue: queue.DefaultPolicy, Catalog: catalog.DefaultPolicy, Booking: booking.DefaultPolicy, WaitlistOfferTTL: waitlist.DefaultOfferTTL}

// App is the composed application.
type App struct {
	Queue   queue.Services
	Catalog catalog.Services
	Booking booking.Services
	Wallet  wallet.Services
	Webhook webhook.Services
	// Waitlist is where fans wait for seats of a sold-out date to come back.
	Waitlist *waitlist.Waitlist
	// Door is every queue's door: proofs of work, quotas per address, presale codes.
	Door *entry.Door
	// Requests are the keyed requests running in this process, whichever context serves them.
	Requests *core.KeyedRequests
}

// New checks the ports and the policy and composes the application.
func New(p Ports, policy Policy) (*App, error) {
	if !p.Stores.complete() || p.Loop == nil || p.Lifecycle == nil || p.Cancellations == nil || p.Clock == nil {
		return nil, errors.New("app: stores, loop, lifecycle, cancellations and clock must be set")
	}
	if policy.DefaultSale != "" {
		if _, err := core.ParseSaleID("default sale", string(policy.DefaultSale)); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
	}
	catalogStore, lister := p.Stores.Catalog, catalog.Lister(catalog.StoreListings{Store: p.Stores.Catalog, Clock: p.Clock})
	if p.Copies != nil {
		catalogStore = CatalogStore{Program: catalogStore, Seating: p.Copies.Seating(catalogStore, catalogStore)}
		lister = p.Copies.Lister(lister, catalogStore)
	}
	directory := catalog.NewDirectory(catalogStore, lister, policy.DefaultSale)
	var counters queue.Counters = queue.StoreCounters{Store: p.Stores.Queue}
	if p.Copies != nil {
		counters = p.Copies.Counters(counters, policy.Queue.Refresh)
	}
	door, err := newDoor(p, policy, directory)
	if err != nil {
		return nil, err
	}
	q, err := queue.New(queue.Ports{Store: p.Stores.Queue, Loop: p.Loop, Sales: directory, Clock: p.Clock, Counters: counters, Door: door}, policy.Queue)
	if err != nil {
		return nil, err
	}
	var gate catalog.Gate = q.Entrance
	if p.Copies != nil {
		gate = p.Copies.Gate(gate)
	}
	c, err := catalog.New(catalog.Ports{Store: catalogStore, Gate: gate, Queues: queueOpener{q.Control}, Clock: p.Clock, Directory: directory}, policy.Catalog)
	if err != nil {
		return nil, err
	}
	requests := &core.KeyedRequests{}
	w, err := wallet.New(wallet.Ports{Store: p.Stores.Wallets, Gate: q.Entrance, Clock: p.Clock, Requests: requests})
	if err != nil {
		return nil, err
	}
	observer := p.Observer
	if observer == nil {
		observer = booking.NopObserver{}
	}
	settler := booking.NewSettler(p.Stores.Bookings, p.Stores.Settlements, p.Clock, observer)
	b, err := booking.New(booking.Ports{
		Store: p.Stores.Bookings, Settlements: p.Stores.Settlements, Settler: settler, Lifecycle: p.Lifecycle(settler), Cancellations: p.Cancellations,
		Gate: q.Entrance, Shows: p.Stores.Catalog, Balances: p.Stores.Wallets, Clock: p.Clock, Requests: requests, Observer: observer,
	}, policy.Booking)
	if err != nil {
		return nil, err
	}
	hooks, err := webhook.New(webhook.Ports{
		Store: p.Stores.Webhooks, Sales: catalogStore, Couriers: p.Webhooks.Couriers, Sender: p.Webhooks.Sender,
		Allowed: p.Webhooks.Destinations, Clock: p.Clock, Observer: p.Webhooks.Observer,
	})
	line, lineErr := newWaitlist(p, policy, q.Entrance, catalogStore, b.Offers)
	if err := errors.Join(err, lineErr); err != nil {
		return nil, err
	}
	return &App{Queue: q, Catalog: c, Booking: b, Wallet: w, Webhook: hooks, Waitlist: line, Door: door, Requests: requests}, nil
}

// newDoor composes the queues' door, with a random challenge key when none is given.
func newDoor(p Ports, policy Policy, sales entry.Sales) (*entry.Door, error) {
	key := p.Entry.ChallengeKey
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if len(key) < 32 || policy.JoinPerAddress < 0 {
		return nil, errors.New("app: the challenge key must be at least 32 bytes and the join quota not negative")
	}
	return entry.NewDoor(entry.DoorConfig{Store: p.Stores.Entry, Sales: sales, Prover: entry.NewProver(key), Clock: p.Clock,
		PerAddress: policy.JoinPerAddress, Observer: p.Entry.Observer}), nil
}

// newWaitlist composes the waitlist: fans' places are counted from copies of the lines when
// the ports keep copies.
func newWaitlist(p Ports, policy Policy, gate waitlist.Gate, offers waitlist.Offers, timers waitlist.OfferTimers) (*waitlist.Waitlist, error) {
	var lines waitlist.Lines = p.Stores.Waitlists
	if p.Copies != nil {
		lines = p.Copies.Lines(lines)
	}
	return waitlist.New(waitlist.Ports{Store: p.Stores.Waitlists, Lines: lines, Gate: gate, Offers: offers, Timers: timers, Clock: p.Clock},
		policy.WaitlistOfferTTL)
}

// ResumeAdmission starts the admission loop of every sale not closed unless it runs, with the
// settings its queue recorded last: what a worker does when it starts.
func (a *App) ResumeAdmission(ctx context.Context) error {
	sales, err := a.Catalog.Admin.Sales(ctx)
	if err != nil {
		return fmt.Errorf("list sales: %w", err)
	}
	var errs []error
	for _, s := range sales {
		if s.State != core.Closed {
			errs = append(errs, a.Queue.Control.Resume(ctx, s.ID))
		}
	}
	return errors.Join(errs...)
}

// queueOpener runs the sales' waiting rooms for the catalog with the queue's Control.
type queueOpener struct{ control *queue.Control }

func (o queueOpener) Open(ctx context.Context, sale core.SaleID, q catalog.QueueSpec) error {
	return o.control.Open(ctx, sale, queue.Settings{AdmitRate: q.AdmitRate, MaxActive: q.MaxActive, SessionTTL: q.SessionTTL}, q.OpensAt)
}

func (o queueOpener) Resume(ctx context.Context, sale core.SaleID) error {
	return o.control.Resume(ctx, sale)
}

func (o queueOpener) Wake(sale core.SaleID) { o.control.Wake(sale) }
