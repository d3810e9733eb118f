package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// offeredSale puts a sale on with one date of 10 seats through s.
func offeredSale(t *testing.T, s *postgres.Store, id core.SaleID) core.Date {
	t.Helper()
	d, _ := core.ParseDate("2030-07-01")
	sale := catalog.Sale{ID: id, Title: "Cached", Venue: "Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: time.Now().UTC()}
	perf := catalog.Performance{SaleID: id, Date: d, Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 10, Price: 50_000}}}
	if err := s.Catalog.CreateSale(context.Background(), sale, []catalog.Performance{perf}); err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually polls cond every 5 ms for up to 5 s and returns how long it took to hold.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: not within 5 s", what)
	return 0
}

// listening waits until s keeps offers, that is until its listener is connected: an offer read
// twice is then served from memory, which a change made behind the store's back (SQL by hand,
// with the trigger disabled) shows.
func listening(t *testing.T, s *postgres.Store, pool *pgxpool.Pool, sale core.SaleID, d core.Date) {
	t.Helper()
	ctx := context.Background()
	eventually(t, "the listener connects and offers are kept", func() bool {
		if _, err := s.Catalog.CachedOffer(ctx, sale, d); err != nil {
			t.Fatal(err)
		}
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		// A change nobody announces: the store offers it only if it went to the database.
		for _, q := range []string{
			"ALTER TABLE sales DISABLE TRIGGER sales_notify_catalog_change",
			"UPDATE sales SET title = 'changed by hand' WHERE id = '" + string(sale) + "'",
			"ALTER TABLE sales ENABLE TRIGGER sales_notify_catalog_change",
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		o, err := s.Catalog.CachedOffer(ctx, sale, d)
		if err != nil {
			t.Fatal(err)
		}
		kept := o.Sale.Title != "changed by hand"
		if _, err := pool.Exec(ctx, "UPDATE sales SET title = 'Cached' WHERE id = $1", string(sale)); err != nil {
			t.Fatal(err)
		}
		return kept
	})
	eventually(t, "the restored title reaches the cache", func() bool {
		o, err := s.Catalog.CachedOffer(ctx, sale, d)
		return err == nil && o.Sale.Title == "Cached"
	})
}

// An instance keeps the offers holds read in memory, and drops them when any instance changes
// the sale: its own change at once, another's when the notification arrives.
func TestOffersFollowChangesOnEveryInstance(t *testing.T) {
	stores, pool := instances(t, 2)
	a, b := stores[0], stores[1]
	ctx := context.Background()
	d := offeredSale(t, a, "cached-sale")
	listening(t, a, pool, "cached-sale", d)

	pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
	if _, err := b.Catalog.UpdateSale(ctx, "cached-sale", pause); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, "another instance's pause reaches the cache", func() bool {
		o, err := a.Catalog.CachedOffer(ctx, "cached-sale", d)
		return err == nil && o.Sale.State == core.Paused
	})
	t.Logf("another instance's change reached this one's offers after %s", took)

	resume := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.OnSale; return sl, nil }
	if _, err := a.Catalog.UpdateSale(ctx, "cached-sale", resume); err != nil {
		t.Fatal(err)
	}
	if o, err := a.Catalog.CachedOffer(ctx, "cached-sale", d); err != nil || o.Sale.State != core.OnSale {
		t.Fatalf("right after its own change an instance offers %+v, %v", o.Sale, err)
	}

	if _, err := b.Catalog.RepriceSection(ctx, "cached-sale", d, "General", 61_000, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "another instance's reprice reaches the cache", func() bool {
		o, err := a.Catalog.CachedOffer(ctx, "cached-sale", d)
		return err == nil && o.Performance.Sections[0].Price == 61_000
	})
	if _, err := b.Catalog.CancelPerformance(ctx, "cached-sale", d, time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "another instance's cancellation reaches the cache", func() bool {
		o, err := a.Catalog.CachedOffer(ctx, "cached-sale", d)
		return err == nil && o.Performance.Cancelled()
	})
}

// A listener whose connection drops keeps nothing until it listens again, so a change made
// meanwhile, whose notification it never gets, is read from the database.
func TestOffersAreReadFromTheDatabaseWhileTheListenerIsAway(t *testing.T) {
	stores, pool := instances(t, 2)
	a, b := stores[0], stores[1]
	ctx := context.Background()
	d := offeredSale(t, a, "dropped-sale")
	listening(t, a, pool, "dropped-sale", d)

	// Drop every listener's connection (the other instance's too), then change the sale at once.
	if _, err := pool.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN boxoffice_catalog' AND datname = current_database()"); err != nil {
		t.Fatal(err)
	}
	pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
	if _, err := b.Catalog.UpdateSale(ctx, "dropped-sale", pause); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the change made while the listener was away is offered", func() bool {
		o, err := a.Catalog.CachedOffer(ctx, "dropped-sale", d)
		return err == nil && o.Sale.State == core.Paused
	})
	// And the listener comes back: offers are kept again.
	resume := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.OnSale; return sl, nil }
	if _, err := b.Catalog.UpdateSale(ctx, "dropped-sale", resume); err != nil {
		t.Fatal(err)
	}
	listening(t, a, pool, "dropped-sale", d)
}
