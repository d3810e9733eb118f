package postgres

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

func issueReq(sale core.SaleID, user core.UserID, now time.Time, challenge string) *issueRequest {
	in := issueArgs{sale: sale, user: user, now: now}
	if challenge != "" {
		in.proof = &entry.Solution{Challenge: challenge, Expires: now.Add(10 * time.Minute)}
	}
	return &issueRequest{in: in}
}

// The statement gets each fan once and each solution once, from the first request carrying
// it, and the batch's latest clock.
func TestIssueColumnsSendEachFanAndSolutionOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c1, c2 := strings.Repeat("a1", 32), strings.Repeat("b2", 32)
	reqs := []*issueRequest{
		issueReq("s1", "ann", t0, c1),
		issueReq("s1", "ann", t0.Add(time.Second), c2),   // ann again: her first join's answer
		issueReq("s1", "bob", t0, c1),                    // ann's solution, replayed within the batch
		issueReq("s2", "ann", t0.Add(3*time.Second), ""), // another sale's ann, no solution
		issueReq("s1", "cat", t0.Add(2*time.Second), c2),
	}
	p, err := issueColumns(reqs, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s1", "s2", "s1"}; !slices.Equal(p.SaleIds, want) {
		t.Errorf("sales %v, want %v", p.SaleIds, want)
	}
	if want := []string{"ann", "ann", "cat"}; !slices.Equal(p.UserIds, want) {
		t.Errorf("fans %v, want %v", p.UserIds, want)
	}
	if len(p.Ids) != 3 || p.Ids[0] == p.Ids[1] || len(p.IssuedAt) != 3 || len(p.ExpiresAt) != 3 {
		t.Errorf("ids %v, issued %v, expiries %v: want three of each, ids distinct", p.Ids, p.IssuedAt, p.ExpiresAt)
	}
	if got := []string{hex.EncodeToString(p.Challenges[0]), string(p.Challenges[1]), hex.EncodeToString(p.Challenges[2])}; !slices.Equal(got, []string{c1, "", c2}) || p.Challenges[1] != nil {
		t.Errorf("challenges %q, want c1, nil (no solution), c2", p.Challenges)
	}
	if !p.Now.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("now %v, want the batch's latest, %v", p.Now, t0.Add(3*time.Second))
	}

	plain, err := issueColumns([]*issueRequest{issueReq("s1", "ann", t0, ""), issueReq("s1", "ann", t0, "")}, false)
	if err != nil || len(plain.UserIds) != 1 || plain.Challenges != nil || plain.ExpiresAt != nil {
		t.Errorf("a batch without solutions: %+v, %v; want one fan and no solution columns", plain, err)
	}
}

// A challenge that is not hex (Prover.Check passes none) fails the batch rather than letting
// its join in unspent.
func TestIssueColumnsRefuseAChallengeThatIsNotHex(t *testing.T) {
	_, err := issueColumns([]*issueRequest{issueReq("s1", "ann", time.Now(), "not hex")}, true)
	if err == nil || !strings.Contains(err.Error(), `spend solution "not hex"`) {
		t.Fatalf("err %v, want one naming the solution", err)
	}
}
