// Package postgres implements core's stores on PostgreSQL with pgx v5 and sqlc-generated
// queries (internal/sqlcdb). The database is the source of truth and the arbiter of every race.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

// Store implements every store port: queue.Store, catalog.Store, booking.Store,
// booking.Settlements and wallet.Store. Its background writers stop with Close.
type Store struct {
	pool    *pgxpool.Pool
	q       *sqlcdb.Queries
	issues  *issueBatcher
	seen    *seenWriter
	changes *catalogChanges
	offers  *offerCache
}

var (
	_ queue.Store         = (*Store)(nil)
	_ catalog.Store       = (*Store)(nil)
	_ booking.Store       = (*Store)(nil)
	_ booking.Settlements = (*Store)(nil)
	_ wallet.Store        = (*Store)(nil)
)

// NewStore uses pool for every query; the caller owns the pool. It listens for other
// instances' changes on a session of its own, made like the pool's connections unless
// ListenOn says otherwise.
func NewStore(pool *pgxpool.Pool, opts ...StoreOption) *Store {
	o := storeOptions{listen: pool.Config().ConnConfig}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Store{pool: pool, q: sqlcdb.New(pool)}
	s.issues = &issueBatcher{flush: s.issueBatch}
	s.seen = newSeenWriter(s.writeSeen)
	s.changes = newCatalogChanges(o.listen, s.notifyCatalog)
	s.offers = newOfferCache(s.changes)
	return s
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
func (s *Store) notifyCatalog(ctx context.Context, payload string) error {
	_, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", catalogChannel, payload)
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
// flight are flushed, writes the pending last-seen times and stops listening for catalog
// changes. The pool stays the caller's.
func (s *Store) Close(ctx context.Context) error {
	s.issues.close()
	s.changes.close()
	return s.seen.close(ctx)
}

// Ping reports whether the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// inTx runs f in a transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, f func(q *sqlcdb.Queries) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return f(s.q.WithTx(tx)) })
}

func ptr[T any](v T) *T { return &v }

// optional maps "" to NULL.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
