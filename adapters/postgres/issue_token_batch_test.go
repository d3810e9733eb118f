package postgres_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
)

// One statement spends a batch's solutions and issues the joins they let in: a solution spent
// before lets nobody in (not even a fan with a live token), a new one lets its join in, a join
// with no solution (its sale asks none) gets in; a solution refused is not spent again. And an
// instance of the release before, calling issue_tokens, issues as it did.
func TestIssueTokenBatchLetsInOneJoinPerSolution(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	if _, err := pool.Exec(ctx, `INSERT INTO sales (id, title, venue, state, max_tickets_per_fan, created_at) VALUES ('door-sale', 'T', 'V', 'on_sale', 4, now())`); err != nil {
		t.Fatal(err)
	}
	proof := func(s string) []byte { sum := sha256.Sum256([]byte(s)); return sum[:] }
	expires := time.Now().Add(time.Minute).UTC().Truncate(time.Second)
	if _, err := pool.Exec(ctx, `INSERT INTO spent_proofs (expires_at, challenge) VALUES ($1, $2)`, expires, proof("old")); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `SELECT * FROM issue_tokens(ARRAY['door-sale'], ARRAY[gen_random_uuid()], ARRAY['live'], ARRAY[now()], now())`); err != nil {
		t.Fatalf("the release before's call: %v", err)
	}
	joins := []struct {
		user  string
		proof []byte
	}{
		{"replayer", proof("old")}, // spent before: refused
		{"live", proof("old")},     // refused, although the fan has a token
		{"honest", proof("new-1")}, // in
		{"no-proof", nil},          // a sale that asks none: in
		{"second", proof("new-2")}, // in
	}
	sales, ids, users, at, exp, challenges := []string{}, []string{}, []string{}, []time.Time{}, []time.Time{}, [][]byte{}
	for _, j := range joins {
		sales, ids, users = append(sales, "door-sale"), append(ids, uuid.NewString()), append(users, j.user)
		at, exp, challenges = append(at, time.Now()), append(exp, expires), append(challenges, j.proof)
	}
	rows, err := pool.Query(ctx, `SELECT user_id, seq FROM issue_token_batch($1, $2, $3, $4, now(), $5, $6)`, sales, ids, users, at, exp, challenges)
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[string]int64{}
	for rows.Next() {
		var user string
		var seq int64
		if err := rows.Scan(&user, &seq); err != nil {
			t.Fatal(err)
		}
		seqs[user] = seq
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	want := map[string]int64{"honest": 2, "no-proof": 3, "second": 4} // numbered on after live's 1, in the batch's order
	if len(seqs) != len(want) {
		t.Fatalf("tokens %v, want %v", seqs, want)
	}
	for user, seq := range want {
		if seqs[user] != seq {
			t.Errorf("tokens %v, want %v", seqs, want)
		}
	}
	if _, err := pool.Exec(ctx, `SELECT * FROM issue_token_batch(ARRAY['door-sale', 'door-sale'], ARRAY[gen_random_uuid(), gen_random_uuid()],
		ARRAY['a', 'b'], ARRAY[now(), now()], now(), ARRAY[now()], ARRAY[sha256('a')])`); err == nil {
		t.Error("a batch of two joins with one solution's slot was issued; want it refused whole")
	}
	var spent int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM spent_proofs`).Scan(&spent); err != nil || spent != 3 {
		t.Fatalf("%d solutions spent (%v), want 3: old, new-1, new-2", spent, err)
	}
}
