package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/porttest"
)

// behindPgBouncer opens n stores on one fresh database, each with its own pool through one
// PgBouncer in transaction mode, as API instances behind a pooler are; with direct set each
// listens on a session of its own straight to PostgreSQL (DATABASE_DIRECT_URL). It returns
// the stores and a direct pool for the test's own SQL.
func behindPgBouncer(t testing.TB, n int, direct bool) ([]*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	pooled := pgtest.ThroughPgBouncer(t, dbURL)
	directPool, err := postgres.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(directPool.Close)
	var stores []*postgres.Store
	for range n {
		pool, err := postgres.Connect(ctx, pooled)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		var opts []postgres.StoreOption
		if direct {
			cfg, err := pgx.ParseConfig(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			opts = append(opts, postgres.ListenOn(cfg))
		}
		s := postgres.NewStore(pool, opts...)
		t.Cleanup(func() { _ = s.Close(ctx) })
		stores = append(stores, s)
	}
	return stores, directPool
}

// Every port's contract, its races included, holds for a store whose queries go through a
// pooler in transaction mode: no statement relies on a session (prepared statements, session
// locks, settings) but the listener's, which has its own.
func TestContractThroughPgBouncer(t *testing.T) {
	porttest.Run(t, func(t *testing.T) porttest.Stores {
		stores, _ := behindPgBouncer(t, 1, true)
		return stores[0].Stores()
	})
}

// Behind a pooler in transaction mode, each instance listening on its own direct session keeps
// offers and drops them at another instance's change.
func TestInstancesBehindPgBouncerHearEachOther(t *testing.T) {
	stores, direct := behindPgBouncer(t, 2, true)
	a, b := stores[0], stores[1]
	ctx := context.Background()
	d := offeredSale(t, a, "pooled-sale")
	listening(t, a, direct, "pooled-sale", d)

	pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
	if _, err := b.Catalog.UpdateSale(ctx, "pooled-sale", pause); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, "another instance's pause reaches the cache", func() bool {
		o, err := a.Catalog.CachedOffer(ctx, "pooled-sale", d)
		return err == nil && o.Sale.State == core.Paused
	})
	t.Logf("through PgBouncer, another instance's change reached this one's offers after %s", took)
}

// A store listening through the pooler itself (DATABASE_DIRECT_URL forgotten) hears nothing
// there: it finds that out by its probe and keeps no offers, so another instance's change is
// offered at once, read from the database, instead of never.
func TestAListenerThroughPgBouncerKeepsNothing(t *testing.T) {
	stores, direct := behindPgBouncer(t, 2, false)
	a, b := stores[0], stores[1]
	ctx := context.Background()
	d := offeredSale(t, a, "unheard-sale")
	// Give the listener time to connect, send its probe and wait for it in vain.
	time.Sleep(6 * time.Second)
	if _, err := a.Catalog.CachedOffer(ctx, "unheard-sale", d); err != nil {
		t.Fatal(err)
	}
	// A change nobody announces, as listening() makes: the store must read it.
	if _, err := direct.Exec(ctx, "ALTER TABLE sales DISABLE TRIGGER sales_notify_catalog_change"); err != nil {
		t.Fatal(err)
	}
	_, err := direct.Exec(ctx, "UPDATE sales SET title = 'changed by hand' WHERE id = 'unheard-sale'")
	if _, enableErr := direct.Exec(ctx, "ALTER TABLE sales ENABLE TRIGGER sales_notify_catalog_change"); err != nil || enableErr != nil {
		t.Fatal(err, enableErr)
	}
	if o, err := a.Catalog.CachedOffer(ctx, "unheard-sale", d); err != nil || o.Sale.Title != "changed by hand" {
		t.Fatalf("a store that cannot hear changes offered %q, %v: a kept copy, where it must read the database", o.Sale.Title, err)
	}
	pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
	if _, err := b.Catalog.UpdateSale(ctx, "unheard-sale", pause); err != nil {
		t.Fatal(err)
	}
	if o, err := a.Catalog.CachedOffer(ctx, "unheard-sale", d); err != nil || o.Sale.State != core.Paused {
		t.Fatalf("another instance's pause is not offered at once: %+v, %v", o.Sale, err)
	}
}
