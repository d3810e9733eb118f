package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// The SQL functions are applied by every migrate, not once: a database whose function is out
// of date (here broken on purpose) gets the file's version back at the next migrate.
func TestMigrateReappliesTheSQLFunctions(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	_, err := pool.Exec(ctx, `CREATE OR REPLACE FUNCTION admit_next(p_queue text, p_batch int, p_max_active int, p_lookahead int,
		p_abandoned_before timestamptz, p_now timestamptz, p_expires_at timestamptz)
		RETURNS TABLE (expired int, admitted int, abandoned int, waiting bigint)
		LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'an out-of-date admit_next'; END $$`)
	if err != nil {
		t.Fatal(err)
	}
	s := postgres.NewStore(pool)
	t.Cleanup(func() { _ = s.Close(ctx) })
	sale := catalog.Sale{ID: "functions-sale", Title: "T", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: time.Now()}
	if err := s.Catalog.CreateSale(ctx, sale, nil); err != nil {
		t.Fatal(err)
	}
	round := queue.Round{Batch: 1, MaxActive: 1, Session: time.Minute, Now: time.Now()}
	if _, err := s.Tokens.Admit(ctx, sale.ID, round); err == nil {
		t.Fatal("the broken function ran without error: the test broke nothing")
	}
	if n, err := postgres.Migrate(ctx, pool); err != nil || n != 0 {
		t.Fatalf("migrate again: %d migrations, %v; want none and no error", n, err)
	}
	if _, err := s.Tokens.Admit(ctx, sale.ID, round); err != nil {
		t.Fatalf("admission after migrate: %v, want the function restored from sql/functions", err)
	}
}
