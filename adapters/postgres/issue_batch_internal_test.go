package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// A flush that takes a while gathers the requests that arrive meanwhile into the next batch.
func TestIssueBatcherCoalescesConcurrentRequests(t *testing.T) {
	var flushes, issued atomic.Int64
	b := &issueBatcher{flush: func(_ context.Context, reqs []*issueRequest) error {
		flushes.Add(1)
		time.Sleep(10 * time.Millisecond)
		for _, r := range reqs {
			r.answer(queue.Token{UserID: r.in.user, Seq: issued.Add(1)}, nil)
		}
		return nil
	}}
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := core.UserID(fmt.Sprintf("fan-%d", i))
			tok, err := b.do(context.Background(), issueArgs{sale: "a-sale", user: user, now: time.Now()})
			if err != nil || tok.UserID != user {
				t.Errorf("%s got %+v, %v", user, tok, err)
			}
		}()
	}
	wg.Wait()
	if issued.Load() != n || flushes.Load() >= n/4 {
		t.Fatalf("%d requests answered in %d flushes; want all %d in far fewer flushes than requests", issued.Load(), flushes.Load(), n)
	}
}

func TestIssueBatcherFailsTheWholeBatchAndRecovers(t *testing.T) {
	fail := atomic.Bool{}
	fail.Store(true)
	b := &issueBatcher{flush: func(_ context.Context, reqs []*issueRequest) error {
		if fail.Load() {
			return errors.New("database down")
		}
		for _, r := range reqs {
			r.answer(queue.Token{UserID: r.in.user}, nil)
		}
		return nil
	}}
	if _, err := b.do(context.Background(), issueArgs{sale: "a-sale", user: "fan", now: time.Now()}); err == nil || err.Error() != "database down" {
		t.Fatalf("issue during a failing flush: %v", err)
	}
	fail.Store(false)
	if tok, err := b.do(context.Background(), issueArgs{sale: "a-sale", user: "fan", now: time.Now()}); err != nil || tok.UserID != "fan" {
		t.Fatalf("issue after recovery: %+v, %v", tok, err)
	}
}

// A caller that gives up returns at once; the flush still completes without blocking on it.
func TestIssueBatcherCallerThatLeaves(t *testing.T) {
	release := make(chan struct{})
	flushed := make(chan struct{})
	b := &issueBatcher{flush: func(_ context.Context, reqs []*issueRequest) error {
		<-release
		for _, r := range reqs {
			r.answer(queue.Token{UserID: r.in.user}, nil)
		}
		close(flushed)
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.do(ctx, issueArgs{sale: "a-sale", user: "impatient", now: time.Now()}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller that left: %v", err)
	}
	close(release)
	select {
	case <-flushed:
	case <-time.After(5 * time.Second):
		t.Fatal("the flush blocked on a caller that left")
	}
}

// Issues of several sales share a batch: spreading fans over sales costs no extra flushes.
func TestIssueBatcherMixesSalesInOneBatch(t *testing.T) {
	var mu sync.Mutex
	var mixed int
	b := &issueBatcher{flush: func(_ context.Context, reqs []*issueRequest) error {
		time.Sleep(10 * time.Millisecond)
		sales := map[core.SaleID]bool{}
		for _, r := range reqs {
			sales[r.in.sale] = true
		}
		mu.Lock()
		if len(sales) > 1 {
			mixed++
		}
		mu.Unlock()
		for _, r := range reqs {
			r.answer(queue.Token{UserID: r.in.user, SaleID: r.in.sale}, nil)
		}
		return nil
	}}
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			sale := core.SaleID(fmt.Sprintf("sale-%d", i%3))
			tok, err := b.do(context.Background(), issueArgs{sale: sale, user: core.UserID(fmt.Sprintf("fan-%d", i)), now: time.Now()})
			if err != nil || tok.SaleID != sale {
				t.Errorf("fan %d got %+v, %v; want a token of %s", i, tok, err, sale)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if mixed == 0 {
		t.Fatal("no flush carried more than one sale's issues")
	}
}
