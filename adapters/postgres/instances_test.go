package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Three API instances (three pools, three batchers) issue at once on one database, the same
// fans asking on several of them: numbers stay gap-free and each fan holds one token, and
// admission then follows the numbers.
func TestIssueAcrossInstances(t *testing.T) {
	dbURL := pgtest.Database(t)
	ctx := context.Background()
	var stores []*postgres.Store
	for range 3 {
		pool, err := postgres.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		s := postgres.NewStore(pool)
		t.Cleanup(func() { _ = s.Close(ctx) })
		stores = append(stores, s)
	}
	const fans, asks = 1500, 2 // each fan asks on two instances
	var mu sync.Mutex
	tokenOf := map[core.UserID]core.ID{}
	userOf := map[int64]core.UserID{}
	var wg sync.WaitGroup
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i := range fans * asks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := core.UserID(fmt.Sprintf("fan-%d", i%fans))
			tok, err := stores[i%len(stores)].IssueToken(ctx, user, now)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if id, ok := tokenOf[user]; ok && id != tok.ID {
				t.Errorf("%s holds two live tokens", user)
			}
			tokenOf[user] = tok.ID
			if other, ok := userOf[tok.Seq]; ok && other != user {
				t.Errorf("number %d given to %s and %s", tok.Seq, other, user)
			}
			userOf[tok.Seq] = user
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for seq := int64(1); seq <= fans; seq++ {
		if _, ok := userOf[seq]; !ok {
			t.Fatalf("number %d missing: %d numbers for %d fans", seq, len(userOf), fans)
		}
	}
	round := queue.Round{Batch: 100, MaxActive: fans, Session: time.Hour, AbandonedBefore: now.Add(-time.Hour), Now: now}
	if res, err := stores[1].Admit(ctx, round); err != nil || res.Admitted != 100 {
		t.Fatalf("admission: %+v, %v", res, err)
	}
	for _, seq := range []int64{1, 100, 101, fans} {
		tok, err := stores[2].Token(ctx, tokenOf[userOf[seq]])
		if err != nil {
			t.Fatal(err)
		}
		if want := seq <= 100; (tok.State == queue.Active) != want {
			t.Fatalf("token %d is %v after admitting 100", seq, tok.State)
		}
	}
}
