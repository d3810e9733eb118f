package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core/porttest"
)

// The best available reads the lapsed holds, then each section's free seats: a lapsed hold
// released in between is free in both, and must be taken once. A transaction holding the
// sections table stops the search there.
func TestAnOrderTakesASeatReleasedDuringItsSearchOnce(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	s := postgres.NewStore(pool)
	t.Cleanup(func() { _ = s.Close(ctx) })
	porttest.OrderWhileAHoldIsReleased(t, s.Stores(), func() (waiting, resume func()) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE sections IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		waiting = func() {
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				var stopped bool
				if err := pool.QueryRow(ctx, "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'sections'::regclass AND NOT granted").Scan(&stopped); err != nil {
					t.Fatal(err)
				}
				if stopped {
					return
				}
			}
			t.Fatal("the order never reached the sections")
		}
		return waiting, func() { _ = tx.Rollback(ctx) }
	})
}
