// Package postgres implements core's stores on PostgreSQL with pgx v5 and sqlc-generated
// queries (internal/sqlcdb). The database is the source of truth and the arbiter of every race.
package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Store is boxoffice's PostgreSQL: a store of its own for each context (Tokens, Catalog,
// Bookings, Settlements, Wallets), sharing one pool, its queries and the background writers,
// which stop with Close; and the operators' audit.
type Store struct {
	*db
	Tokens      *Tokens
	Catalog     *Catalog
	Seating     *Seating
	Holds       *Holds
	Orders      *Orders
	TicketBook  *TicketBook
	Settlements *Settlements
	Wallets     *Wallets
	Webhooks    *Webhooks
	Waitlists   *Waitlists
	Entry       *EntryStore
}

// db is what every context's store shares.
type db struct {
	pool   *pgxpool.Pool
	q      *sqlcdb.Queries
	issues *issueBatcher
	// presales batches presale joins, which redeem access codes (issuePresaleBatch).
	presales *issueBatcher
	// forgotAt is when this instance last swept expired spent proofs and quota windows (unix s).
	forgotAt atomic.Int64
	// sweeps is the sweep running, if any, which Close waits for; closing, under sweepMu, stops
	// new ones.
	sweepMu sync.Mutex
	sweeps  sync.WaitGroup
	closing bool
	seen    *seenWriter
	changes *catalogChanges
	offers  *offerCache
}

// Tokens implements queue.Store: the waiting room's tokens, admission and its settings.
type Tokens struct{ *db }

// Catalog implements catalog.Program: sales, performances, sections and prices, and their
// changes.
type Catalog struct{ *db }

// Seating implements catalog.Seating: the seats of the program as fans see them.
type Seating struct{ *db }

// Holds implements booking.Holds: holds, their acceptance and release, receipts.
type Holds struct{ *db }

// Orders implements booking.Orders: orders of several seats, held all or none.
type Orders struct{ *db }

// TicketBook implements booking.TicketBook: tickets, check-ins, refunds' keys, a date's tally.
type TicketBook struct{ *db }

// Settlements implements booking.Settlements: the transactions that move money and seats
// together, a payment's and a refund's.
type Settlements struct{ *db }

// Wallets implements wallet.Store.
type Wallets struct{ *db }

var (
	_ queue.Store         = (*Tokens)(nil)
	_ catalog.Program     = (*Catalog)(nil)
	_ catalog.Seating     = (*Seating)(nil)
	_ booking.Holds       = (*Holds)(nil)
	_ booking.Orders      = (*Orders)(nil)
	_ booking.TicketBook  = (*TicketBook)(nil)
	_ booking.Settlements = (*Settlements)(nil)
	_ wallet.Store        = (*Wallets)(nil)
	_ entry.Store         = (*EntryStore)(nil)
)

// NewStore uses pool for every query; the caller owns the pool. It listens for other
// instances' changes on a session of its own, made like the pool's connections unless
// ListenOn says otherwise.
func NewStore(pool *pgxpool.Pool, opts ...StoreOption) *Store {
	o := storeOptions{listen: pool.Config().ConnConfig}
	for _, opt := range opts {
		opt(&o)
	}
	d := &db{pool: pool, q: sqlcdb.New(pool)}
	s := &Store{db: d, Tokens: &Tokens{d}, Catalog: &Catalog{d}, Seating: &Seating{d}, Holds: &Holds{d}, Orders: &Orders{d}, TicketBook: &TicketBook{d}, Settlements: &Settlements{d}, Wallets: &Wallets{d}, Webhooks: &Webhooks{d}, Waitlists: &Waitlists{d},
		Entry: &EntryStore{d}}
	d.issues = &issueBatcher{flush: s.Tokens.issueBatch}
	d.presales = &issueBatcher{flush: s.Tokens.issuePresaleBatch}
	d.seen = newSeenWriter(s.Tokens.writeSeen)
	d.changes = newCatalogChanges(o.listen, d.notifyCatalog)
	d.offers = newOfferCache(d.changes)
	return s
}

// Stores are the store of each context, for app.New.
func (s *Store) Stores() app.Stores {
	return app.Stores{
		Queue: s.Tokens, Catalog: app.CatalogStore{Program: s.Catalog, Seating: s.Seating},
		Bookings: app.BookingStore{Holds: s.Holds, Orders: s.Orders, TicketBook: s.TicketBook}, Settlements: s.Settlements, Wallets: s.Wallets, Webhooks: s.Webhooks, Waitlists: s.Waitlists,
		Entry: s.Entry,
	}
}

// StoreOption changes what NewStore sets up.
type StoreOption func(*storeOptions)

type storeOptions struct{ listen *pgx.ConnConfig }

// ListenOn has the store listen for catalog changes on a session made from cfg: a direct
// connection to PostgreSQL where the pool goes through a pooler in transaction mode, on
// which LISTEN hears nothing.
func ListenOn(cfg *pgx.ConnConfig) StoreOption {
	return func(o *storeOptions) { o.listen = cfg }
}

// notifyCatalog sends payload on the catalog's channel through the pool.
func (d *db) notifyCatalog(ctx context.Context, payload string) error {
	_, err := d.pool.Exec(ctx, "SELECT pg_notify($1, $2)", catalogChannel, payload)
	return err
}

// Option changes how Connect opens its pool.
type Option func(*pgxpool.Config)

// WithQueryTracer has every query of the pool's connections traced by t.
func WithQueryTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

// Connect opens a pool to url and checks that the database answers.
func Connect(ctx context.Context, url string, opts ...Option) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse the database URL: %w", err)
	}
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, nil
}

// Close stops the store's background work: it refuses new token issues once the batches in
// flight are flushed, writes the pending last-seen times, stops listening for catalog changes
// and waits, until ctx ends, for a running sweep of expired solutions. The pool stays the
// caller's.
func (s *Store) Close(ctx context.Context) error {
	s.issues.close()
	s.presales.close()
	s.changes.close()
	s.sweepMu.Lock()
	s.closing = true
	s.sweepMu.Unlock()
	err := s.seen.close(ctx)
	swept := make(chan struct{})
	go func() { s.sweeps.Wait(); close(swept) }()
	select {
	case <-swept:
	case <-ctx.Done(): // the sweep is bounded by its own timeout
	}
	return err
}

// Ping reports whether the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// inTx runs f in a transaction, committing if it returns nil.
func (d *db) inTx(ctx context.Context, f func(q *sqlcdb.Queries) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return f(d.q.WithTx(tx)) })
}

// optional maps "" to NULL.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
