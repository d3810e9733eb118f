package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
)

// BenchmarkIssueWithProof is a join of a sale that asks a proof of work: its solution spent and
// its token issued in one transaction, with 1,000 and with 100,000 solutions already spent and
// fans already waiting. One join at a time, so each pays its own commit.
func BenchmarkIssueWithProof(b *testing.B) {
	for _, before := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("spent=%d", before), func(b *testing.B) {
			ctx := context.Background()
			pool := pgtest.Pool(b)
			s := postgres.NewStore(pool)
			b.Cleanup(func() { _ = s.Close(ctx) })
			sale := catalog.Sale{ID: "bench-door", Title: "B", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4}
			if err := s.Catalog.CreateSale(ctx, sale, nil); err != nil {
				b.Fatal(err)
			}
			expires := time.Now().Add(entry.ChallengeTTL).UTC().Truncate(time.Second)
			if _, err := pool.Exec(ctx, `INSERT INTO spent_proofs (expires_at, challenge)
				SELECT $1, sha256(('before-' || n)::bytea) FROM generate_series(1, $2::int) n`, expires, before); err != nil {
				b.Fatal(err)
			}
			waitingFans(b, s, sale.ID, before) // as many fans waiting
			settle(b, pool)
			n := 0
			for b.Loop() {
				n++
				sum := sha256.Sum256([]byte("join-" + strconv.Itoa(n)))
				pass := entry.Pass{Proof: &entry.Solution{Challenge: hex.EncodeToString(sum[:]), Expires: expires}}
				if _, err := s.Tokens.IssueTokenWithPass(ctx, sale.ID, core.UserID("fan-"+strconv.Itoa(n)), pass, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// waitingFans puts n fans in the sale's queue through the store's batched issue: from 64 callers
// at once, so the batcher gathers them into statements of many, as in a rush.
func waitingFans(b *testing.B, s *postgres.Store, sale core.SaleID, n int) {
	b.Helper()
	const callers = 64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			for i := c; i < n; i += callers {
				if _, err := s.Tokens.IssueToken(context.Background(), sale, core.UserID("waiting-"+strconv.Itoa(i)), time.Now()); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// settle vacuums and flushes the setup's writes now, so that autovacuum and a checkpoint do not
// run in the middle of the larger run's measurement.
func settle(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	for _, sql := range []string{"VACUUM (ANALYZE) spent_proofs, queue_tokens, access_codes", "CHECKPOINT"} {
		if _, err := pool.Exec(context.Background(), sql); err != nil {
			b.Fatal(err)
		}
	}
}
