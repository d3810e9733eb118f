package postgres_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
)

// BenchmarkPresaleJoin is a rush of new fans joining from 64 callers at once, with 1,000 and
// with 100,000 fans in the queue already: outside a presale (the batched issue: the baseline),
// in a presale with a code of its own for each fan, and in a presale where every fan sends one
// shared code (a fan club's), whose row lock each batch holds until its commit. No proof of
// work: this is the code's cost alone. Run it with -benchtime Nx: N codes are made first.
func BenchmarkPresaleJoin(b *testing.B) {
	for _, waiting := range []int{1_000, 100_000} {
		for _, mode := range []string{"public", "own-code", "shared-code"} {
			b.Run(fmt.Sprintf("waiting=%d/%s", waiting, mode), func(b *testing.B) {
				ctx := context.Background()
				pool := pgtest.Pool(b)
				s := postgres.NewStore(pool)
				b.Cleanup(func() { _ = s.Close(ctx) })
				now := time.Now()
				sale := catalog.Sale{ID: "bench-presale", Title: "B", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4}
				if mode != "public" {
					sale.Entry.PresaleUntil = now.Add(time.Hour)
				}
				if err := s.Catalog.CreateSale(ctx, sale, nil); err != nil {
					b.Fatal(err)
				}
				waitingFans(b, s, sale.ID, waiting) // issued without a code: the fans already in
				var codes []string
				switch mode {
				case "own-code":
					for len(codes) < b.N {
						batch, err := entry.NewCodes(sale.ID, entry.CodeSpec{Count: min(b.N-len(codes), entry.MaxCodesAtOnce)}, now)
						if err != nil {
							b.Fatal(err)
						}
						if err := s.Entry.AddCodes(ctx, batch); err != nil {
							b.Fatal(err)
						}
						for _, c := range batch {
							codes = append(codes, c.Code)
						}
					}
				case "shared-code":
					shared, err := entry.NewCodes(sale.ID, entry.CodeSpec{Count: 1, Uses: entry.MaxCodeUses}, now)
					if err != nil {
						b.Fatal(err)
					}
					if err := s.Entry.AddCodes(ctx, shared); err != nil {
						b.Fatal(err)
					}
					codes = []string{shared[0].Code}
				}
				settle(b, pool)
				var next atomic.Int64
				b.SetParallelism(32) // 64 callers on two cores
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := int(next.Add(1)) - 1
						pass := entry.Pass{Presale: mode != "public"}
						switch mode {
						case "own-code":
							pass.Code = codes[n]
						case "shared-code":
							pass.Code = codes[0]
						}
						if _, err := s.Tokens.IssueTokenWithPass(ctx, sale.ID, core.UserID("joining-"+strconv.Itoa(n)), pass, time.Now()); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
