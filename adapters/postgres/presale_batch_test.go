package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
)

// One presale batch decides its joins in order: a code's uses counted down within the batch, a
// fan's second join getting their first's token and no second use, a solution carried twice
// spent once, a fan with a live token answered with it whatever code they send, every refusal
// issuing and redeeming nothing (a refused join whose fan a later join lets in gets that
// token, as asking again would), and each token issued at the time of the join that let its
// fan in, which the Entrance reads to tell a new token from a live one.
func TestAPresaleBatchDecidesItsJoinsInOrder(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Second)
	sale := catalog.Sale{ID: "batch-presale", Title: "B", Venue: "V", State: core.OnSale, MaxTicketsPerFan: 4,
		Entry: core.EntryRules{PresaleUntil: now.Add(time.Hour)}}
	if err := s.Catalog.CreateSale(ctx, sale, nil); err != nil {
		t.Fatal(err)
	}
	codes, err := entry.NewCodes(sale.ID, entry.CodeSpec{Count: 2, Uses: 2}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Entry.AddCodes(ctx, codes); err != nil {
		t.Fatal(err)
	}
	a, b := codes[0].Code, codes[1].Code
	// gus holds a live token already, from code b.
	if _, errs, err := s.Tokens.IssuePresaleBatch(ctx, []postgres.PresaleJoin{{Sale: sale.ID, User: "gus", Code: b, Now: now}}); err != nil || errs[0] != nil {
		t.Fatalf("gus's first join: %v, %v", err, errs)
	}
	proof := func(seed string) *entry.Solution {
		sum := sha256.Sum256([]byte(seed))
		return &entry.Solution{Challenge: hex.EncodeToString(sum[:]), Expires: now.Add(entry.ChallengeTTL)}
	}
	joins := []postgres.PresaleJoin{
		{User: "ann", Code: a, Proof: proof("p1")},
		{User: "ann", Code: a, Proof: proof("p2")}, // ann again: her token, no second use
		{User: "bob", Code: a, Proof: proof("p1")}, // ann's solution again
		{User: "cat", Code: a},                     // a's second use
		{User: "dan", Code: a},                     // a is used up
		{User: "eve"},                              // no code
		{User: "fay", Code: "NOPE-NOPE-NOPE-NOPE"}, // nobody's code
		{User: "gus", Code: a},                     // live already: his token, a untouched
		{User: "hal", Code: "NOPE-NOPE-NOPE-NOPE"}, // refused, then let in by his next join
		{User: "hal", Code: b},
	}
	for i := range joins {
		joins[i].Sale, joins[i].Now = sale.ID, now.Add(time.Duration(i+1)*time.Millisecond)
	}
	toks, errs, err := s.Tokens.IssuePresaleBatch(ctx, joins)
	if err != nil {
		t.Fatal(err)
	}
	refusedAs := func(i int, want error, reason string) {
		t.Helper()
		var code *entry.CodeError
		if !errors.Is(errs[i], want) || reason != "" && (!errors.As(errs[i], &code) || !strings.Contains(code.Reason, reason)) {
			t.Errorf("%s's join %d: %v, want %v %s", joins[i].User, i, errs[i], want, reason)
		}
	}
	for _, i := range []int{0, 1, 3, 7, 8, 9} {
		if errs[i] != nil || toks[i].UserID != joins[i].User {
			t.Errorf("%s's join %d: %+v, %v; want their token", joins[i].User, i, toks[i], errs[i])
		}
	}
	if toks[0].ID != toks[1].ID || toks[8].ID != toks[9].ID {
		t.Errorf("a fan's two joins got two tokens: %s %s, %s %s", toks[0].ID, toks[1].ID, toks[8].ID, toks[9].ID)
	}
	for _, i := range []int{0, 3, 9} { // ann's, cat's and hal's admitting joins
		if !toks[i].IssuedAt.Equal(joins[i].Now) {
			t.Errorf("%s's token issued at %v, want their admitting join's time %v", joins[i].User, toks[i].IssuedAt, joins[i].Now)
		}
	}
	refusedAs(2, entry.ErrSpent, "")
	refusedAs(4, core.ErrForbidden, "used up")
	refusedAs(5, entry.ErrNoCode, "")
	refusedAs(6, entry.ErrUnknownCode, "")

	q, err := s.Tokens.Queue(ctx, sale.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q.LastSeq != 4 { // gus, then ann, cat and hal
		t.Errorf("%d tokens issued, want 4", q.LastSeq)
	}
	left := map[string]int{}
	listed, err := s.Entry.Codes(ctx, sale.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range listed {
		left[c.Code] = c.UsesLeft
	}
	if left[a] != 0 || left[b] != 0 {
		t.Errorf("uses left: a %d, b %d; want both 0 (ann and cat on a, gus and hal on b)", left[a], left[b])
	}
}
