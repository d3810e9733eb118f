package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
)

// A batch of issues looks its fans up without reading the sale's queue: on one connection that
// has issued 10,000 tokens (so PL/pgSQL would have settled on a cached plan, chosen while the
// queue was empty), five more batches of ten read a few dozen rows of queue_tokens, not the
// queue. Counted by PostgreSQL's own per-transaction statistics, not timed.
func TestIssueReadsNoMoreThanTheFansItIssues(t *testing.T) {
	ctx := context.Background()
	conn, err := pgtest.Pool(t).Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `INSERT INTO sales (id, title, venue, state, max_tickets_per_fan, created_at) VALUES ('plan-sale', 'T', 'V', 'on_sale', 4, now())`); err != nil {
		t.Fatal(err)
	}
	n := 0
	issue := func(fans int) {
		t.Helper()
		sales, ids, users, at := make([]string, fans), make([]string, fans), make([]string, fans), make([]time.Time, fans)
		for i := range ids {
			sales[i], ids[i], users[i], at[i] = "plan-sale", uuid.NewString(), fmt.Sprintf("fan-%d", n), time.Now()
			n++
		}
		rows, err := tx.Query(ctx, `SELECT id FROM issue_token_batch($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], now(), NULL, NULL)`, sales, ids, users, at)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for rows.Next() {
			got++
		}
		if rows.Close(); rows.Err() != nil || got != fans {
			t.Fatalf("issue_token_batch returned %d tokens for %d fans: %v", got, fans, rows.Err())
		}
	}
	read := func() int64 {
		t.Helper()
		var v int64
		err := tx.QueryRow(ctx, `SELECT pg_stat_get_xact_tuples_returned('queue_tokens'::regclass) + pg_stat_get_xact_tuples_fetched('queue_tokens'::regclass)`).Scan(&v)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for range 20 {
		issue(500)
	}
	before := read()
	for range 5 {
		issue(10)
	}
	if rows := read() - before; rows > 500 {
		t.Fatalf("five batches of 10 issues read %d rows of queue_tokens in a queue of %d: a plan scans the queue", rows, n)
	}
}
