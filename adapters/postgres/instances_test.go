package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Three API instances (three pools, three batchers) issue at once on one database for two
// sales, the same fans asking on several of them in both: each sale's numbers stay gap-free,
// each fan holds one token a sale, and admission of one sale then follows its numbers and
// leaves the other's queue alone.
func TestIssueAcrossInstances(t *testing.T) {
	ctx := context.Background()
	stores, _ := instances(t, 3)
	now := time.Now().UTC().Truncate(time.Microsecond)
	sales := []core.SaleID{"instances-a", "instances-b"}
	putOnSale(t, stores[0], now, sales...)
	type fanInSale struct {
		sale core.SaleID
		user core.UserID
	}
	const fans, asks = 1000, 2 // each fan asks on two instances, in each sale
	var mu sync.Mutex
	tokenOf := map[fanInSale]core.ID{}
	userOf := map[core.SaleID]map[int64]core.UserID{sales[0]: {}, sales[1]: {}}
	var wg sync.WaitGroup
	for i := range fans * asks * len(sales) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := fanInSale{sales[i%len(sales)], core.UserID(fmt.Sprintf("fan-%d", i/len(sales)%fans))}
			tok, err := stores[i%len(stores)].Tokens.IssueToken(ctx, f.sale, f.user, now)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if id, ok := tokenOf[f]; ok && id != tok.ID {
				t.Errorf("%s holds two live tokens in %s", f.user, f.sale)
			}
			tokenOf[f] = tok.ID
			if other, ok := userOf[f.sale][tok.Seq]; ok && other != f.user {
				t.Errorf("number %d of %s given to %s and %s", tok.Seq, f.sale, other, f.user)
			}
			userOf[f.sale][tok.Seq] = f.user
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, sale := range sales {
		for seq := int64(1); seq <= fans; seq++ {
			if _, ok := userOf[sale][seq]; !ok {
				t.Fatalf("number %d of %s missing: %d numbers for %d fans", seq, sale, len(userOf[sale]), fans)
			}
		}
	}
	round := queue.Round{Batch: 100, MaxActive: fans, Session: time.Hour, AbandonedBefore: now.Add(-time.Hour), Now: now}
	if res, err := stores[1].Tokens.Admit(ctx, sales[0], round); err != nil || res.Admitted != 100 {
		t.Fatalf("admission: %+v, %v", res, err)
	}
	for _, sale := range sales {
		for _, seq := range []int64{1, 100, 101, fans} {
			f := fanInSale{sale, userOf[sale][seq]}
			tok, err := stores[2].Tokens.Token(ctx, tokenOf[f])
			if err != nil {
				t.Fatal(err)
			}
			if want := sale == sales[0] && seq <= 100; (tok.State == queue.Active) != want {
				t.Fatalf("token %d of %s is %v after admitting 100 of %s", seq, sale, tok.State, sales[0])
			}
		}
	}
}

// instances opens n stores on one database, each with its own pool, as n API instances would.
func instances(t *testing.T, n int) ([]*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	dbURL := pgtest.Database(t)
	ctx := context.Background()
	var stores []*postgres.Store
	var first *pgxpool.Pool
	for i := range n {
		pool, err := postgres.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		s := postgres.NewStore(pool)
		t.Cleanup(func() { _ = s.Close(ctx) })
		stores = append(stores, s)
		if i == 0 {
			first = pool
		}
	}
	return stores, first
}

// putOnSale puts sales without dates on sale, as their queues need nothing more.
func putOnSale(t *testing.T, s *postgres.Store, now time.Time, sales ...core.SaleID) {
	t.Helper()
	for _, id := range sales {
		sl := catalog.Sale{ID: id, Title: "Queue", Venue: "Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: now}
		if err := s.Catalog.CreateSale(context.Background(), sl, nil); err != nil {
			t.Fatal(err)
		}
	}
}
