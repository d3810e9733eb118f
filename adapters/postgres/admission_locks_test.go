package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// An admission round holds no lock a token issue needs until its last statement: with a round
// stopped half-way through its activations (a trigger sleeps on the first), fans still get
// their tokens, well within the round's pause. (A round used to lock the queue row first, and a
// round activating thousands of fans held every issue of its sale for as long.)
func TestAnIssueDoesNotWaitForAnAdmissionRound(t *testing.T) {
	ctx := context.Background()
	stores, pool := instances(t, 2)
	const sale core.SaleID = "round-in-flight"
	now := time.Now().UTC().Truncate(time.Microsecond)
	putOnSale(t, stores[0], now, sale)
	for i := range 10 {
		if _, err := stores[0].Tokens.IssueToken(ctx, sale, core.UserID(fmt.Sprintf("early-%d", i)), now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `
		CREATE FUNCTION pause_activation() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF OLD.state = 'waiting' AND NEW.state = 'active' THEN PERFORM pg_sleep(3); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER pause_activation BEFORE UPDATE ON queue_tokens FOR EACH ROW EXECUTE FUNCTION pause_activation();`); err != nil {
		t.Fatal(err)
	}
	round := make(chan error, 1)
	go func() {
		_, err := stores[1].Tokens.Admit(ctx, sale, queue.Round{Batch: 1, MaxActive: 100, Session: time.Hour, AbandonedBefore: now.Add(-time.Hour), Now: now})
		round <- err
	}()
	time.Sleep(500 * time.Millisecond) // the round is asleep in its first activation
	issueCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	tok, err := stores[0].Tokens.IssueToken(issueCtx, sale, "late", now)
	if err != nil {
		t.Fatalf("a token issue during an admission round: %v", err)
	}
	if err := <-round; err != nil {
		t.Fatal(err)
	}
	if tok.Seq != 11 || tok.State != queue.Waiting {
		t.Fatalf("the late fan got %+v, want number 11, waiting", tok)
	}
	q, err := stores[0].Tokens.Queue(ctx, sale)
	if err != nil {
		t.Fatal(err)
	}
	if q.LastSeq != 11 || q.AdmittedThrough != 1 || q.AdmittedTotal != 1 {
		t.Fatalf("queue %+v after the round and the issue, want 11 numbers, 1 admitted", q)
	}
}

// Issues from several instances, fans whose sessions run out asking again, and admission rounds
// from two instances at once, for seconds: no call fails (no deadlock between a round and an
// issue), every round admits the front of the queue (no fan is waiting below the watermark),
// and the queue's count of fans in session is its active tokens throughout.
func TestIssuesAndRoundsRaceWithoutDeadlockOrDisorder(t *testing.T) {
	ctx := context.Background()
	stores, pool := instances(t, 3)
	const sale core.SaleID = "racing"
	putOnSale(t, stores[0], time.Now().UTC(), sale)
	const fans = 300
	var wg sync.WaitGroup
	var issues, rounds, admitted atomic.Int64
	// The race runs for 4 s, and on past them until enough has raced to prove anything (on a
	// loaded machine 4 s once held 501 issues), for 30 s at most.
	began := time.Now()
	racing := func() bool {
		enough := rounds.Load() >= 20 && admitted.Load() >= fans && issues.Load() >= 2*fans
		return time.Since(began) < 4*time.Second || (!enough && time.Since(began) < 30*time.Second)
	}
	for w := range 6 { // issuers: the same 300 fans again and again, so ran-out sessions are re-issued
		wg.Go(func() {
			for i := w; racing(); i += 6 {
				user := core.UserID(fmt.Sprintf("fan-%d", i%fans))
				if _, err := stores[i%len(stores)].Tokens.IssueToken(ctx, sale, user, time.Now().UTC()); err != nil {
					t.Errorf("issue: %v", err)
					return
				}
				issues.Add(1)
			}
		})
	}
	for w := range 2 { // two instances' rounds: sessions of 20 ms, so rounds end many
		wg.Go(func() {
			for racing() {
				now := time.Now().UTC()
				res, err := stores[w].Tokens.Admit(ctx, sale, queue.Round{Batch: 25, MaxActive: 60, Session: 20 * time.Millisecond, AbandonedBefore: now.Add(-time.Hour), Now: now})
				if err != nil {
					t.Errorf("admission round: %v", err)
					return
				}
				rounds.Add(1)
				admitted.Add(int64(res.Admitted))
			}
		})
	}
	wg.Add(1)
	go func() { // the invariants, read while everything runs
		defer wg.Done()
		for racing() {
			var below, counted, active int64
			err := pool.QueryRow(ctx, `
				SELECT (SELECT count(*) FROM queue_tokens t WHERE t.sale_id = q.sale_id AND t.state = 'waiting' AND t.seq <= q.admitted_through),
				       q.active_count,
				       (SELECT count(*) FROM queue_tokens t WHERE t.sale_id = q.sale_id AND t.state = 'active')
				FROM queues q WHERE q.sale_id = $1`, string(sale)).Scan(&below, &counted, &active)
			if errors.Is(err, pgx.ErrNoRows) { // no fan has asked yet
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if err != nil {
				t.Errorf("read the queue: %v", err)
				return
			}
			if below > 0 {
				t.Errorf("%d fans wait below the watermark: a round skipped them", below)
				return
			}
			if counted != active { // no payments nor leavers here: every change of state is counted as it commits
				t.Errorf("the queue counts %d fans in session; %d tokens are active", counted, active)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	wg.Wait()
	if t.Failed() {
		return
	}
	// Quiet now: one more round counts what ended, then the count is exact.
	now := time.Now().UTC()
	if _, err := stores[0].Tokens.Admit(ctx, sale, queue.Round{Batch: 0, MaxActive: 60, Session: 20 * time.Millisecond, AbandonedBefore: now.Add(-time.Hour), Now: now}); err != nil {
		t.Fatal(err)
	}
	var counted, active int64
	if err := pool.QueryRow(ctx, `SELECT q.active_count, (SELECT count(*) FROM queue_tokens t WHERE t.sale_id = q.sale_id AND t.state = 'active')
		FROM queues q WHERE q.sale_id = $1`, string(sale)).Scan(&counted, &active); err != nil {
		t.Fatal(err)
	}
	if counted != active {
		t.Fatalf("the queue counts %d fans in session; %d tokens are active", counted, active)
	}
	if rounds.Load() < 20 || admitted.Load() < fans || issues.Load() < 2*fans {
		t.Fatalf("too little raced to prove anything: %d rounds admitting %d, %d issues", rounds.Load(), admitted.Load(), issues.Load())
	}
	t.Logf("%d issues and %d rounds admitting %d fans in %s", issues.Load(), rounds.Load(), admitted.Load(), time.Since(began).Round(100*time.Millisecond))
}
