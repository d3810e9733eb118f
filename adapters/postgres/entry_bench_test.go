package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
	"time"

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
			for i := range before { // as many fans waiting
				if _, err := s.Tokens.IssueToken(ctx, sale.ID, core.UserID("waiting-"+strconv.Itoa(i)), time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := pool.Exec(ctx, "ANALYZE spent_proofs; ANALYZE queue_tokens"); err != nil {
				b.Fatal(err)
			}
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
