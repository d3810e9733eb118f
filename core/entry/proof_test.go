package entry_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

var testKey = []byte("boxoffice-test-key-0123456789abcdef")

// solve finds the challenge's number as a fan's browser does, and returns the payload ALTCHA's
// widget would send.
func solve(t testing.TB, c entry.Challenge, extra map[string]any) string {
	t.Helper()
	n, ok := entry.Solve(c)
	if !ok {
		t.Fatalf("no number up to %d solves the challenge", c.MaxNumber)
	}
	return payload(t, map[string]any{"algorithm": c.Algorithm, "challenge": c.Challenge, "number": n, "salt": c.Salt, "signature": c.Signature, "took": 12}, extra)
}

func payload(t testing.TB, fields, extra map[string]any) string {
	t.Helper()
	for k, v := range extra {
		fields[k] = v
	}
	raw, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func TestASolvedChallengeIsAcceptedForItsSaleUntilItExpires(t *testing.T) {
	p := entry.NewProver(testKey)
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	c, err := p.Make("autumn-nights", 2000, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Algorithm != "SHA-256" || c.MaxNumber != 2000 || !strings.HasSuffix(c.Salt, "&") || !strings.Contains(c.Salt, "sale=autumn-nights") {
		t.Fatalf("challenge %+v: want SHA-256, maxnumber 2000, and a salt naming the sale and ending with &", c)
	}
	sent := solve(t, c, nil)
	sol, err := p.Check(sent, "autumn-nights", now.Add(entry.ChallengeTTL-time.Second))
	if err != nil {
		t.Fatalf("a solution within its 10 minutes: %v", err)
	}
	if sol.Challenge != c.Challenge || !sol.Expires.Equal(now.Add(entry.ChallengeTTL)) {
		t.Fatalf("solution %+v: want challenge %s expiring %s", sol, c.Challenge, now.Add(entry.ChallengeTTL))
	}
}

func TestEveryBadSolutionIsRefusedSayingWhy(t *testing.T) {
	p := entry.NewProver(testKey)
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	c, err := p.Make("autumn-nights", 500, now)
	if err != nil {
		t.Fatal(err)
	}
	good := solve(t, c, nil)
	other, _ := entry.NewProver([]byte("another-service-key-0123456789abcdef")).Make("autumn-nights", 500, now)
	var fields map[string]any
	raw, _ := base64.StdEncoding.DecodeString(good)
	_ = json.Unmarshal(raw, &fields)
	with := func(k string, v any) string {
		return payload(t, map[string]any{"algorithm": fields["algorithm"], "challenge": fields["challenge"], "number": fields["number"], "salt": fields["salt"], "signature": fields["signature"]}, map[string]any{k: v})
	}
	for name, tc := range map[string]struct {
		sent string
		sale core.SaleID
		at   time.Time
		says string
	}{
		"missing":               {"", "autumn-nights", now, "missing"},
		"not base64":            {"%%%", "autumn-nights", now, "not ALTCHA's payload"},
		"not JSON":              {base64.StdEncoding.EncodeToString([]byte("nope")), "autumn-nights", now, "not ALTCHA's payload"},
		"another algorithm":     {with("algorithm", "SHA-1"), "autumn-nights", now, "algorithm"},
		"signed by another key": {solve(t, other, nil), "autumn-nights", now, "forged"},
		"signature changed":     {with("signature", strings.Repeat("ab", 32)), "autumn-nights", now, "forged"},
		"salt changed":          {with("salt", strings.Replace(c.Salt, "autumn-nights", "other-sale", 1)), "other-sale", now, "wrong"},
		"number changed":        {with("number", 501), "autumn-nights", now, "wrong"},
		"number not a number":   {with("number", "12"), "autumn-nights", now, "wrong"},
		"another sale's":        {good, "winter-lights", now, "for sale \"autumn-nights\""},
		"expired":               {good, "autumn-nights", now.Add(entry.ChallengeTTL), "expired"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Check(tc.sent, tc.sale, tc.at)
			var refused *entry.ProofError
			if !errors.As(err, &refused) || !errors.Is(err, core.ErrInvalid) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v; want a *ProofError (invalid) saying %q", err, tc.says)
			}
		})
	}
}

// TestAChallengeOfALTCHAsOwnLibraryChecks checks the protocol against ALTCHA's reference: the
// challenge and payload below were made by altcha-lib 2.8.0's v1 createChallenge (this key,
// number 4321) and solveChallenge, then base64-encoded as its widget does.
func TestAChallengeOfALTCHAsOwnLibraryChecks(t *testing.T) {
	const sent = "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiNWJjNTMwOGY4NmU1OTU2ZDNmMzgyMWMxOTBmM2M4N2RlZGVmYTRkZTYzYWFkYzNjYWY1MDdmNmI4ZWIxZGQyMiIsIm51bWJlciI6NDMyMSwic2FsdCI6IjAwMTEyMjMzNDQ1NTY2Nzc4ODk5YWFiYj9leHBpcmVzPTQxMDI0NDQ4MDAmc2FsZT1pbnRlcm9wLXNhbGUmIiwic2lnbmF0dXJlIjoiNWQyMzVkOTZkMDRkMGI3OTI5YTFiNGRkNTdkZWNhMmM0YWI2YjVhYjU1OWM2ODFiODQ3YzZiYmRhYWU4ZDQzYiIsInRvb2siOjI1OH0="
	sol, err := entry.NewProver(testKey).Check(sent, "interop-sale", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("altcha-lib's own solution: %v", err)
	}
	if sol.Challenge != "5bc5308f86e5956d3f3821c190f3c87dedefa4de63aadc3caf507f6b8eb1dd22" || sol.Expires.Unix() != 4102444800 {
		t.Fatalf("solution %+v", sol)
	}
}

func BenchmarkChallengeMake(b *testing.B) {
	p := entry.NewProver(testKey)
	now := time.Now()
	for b.Loop() {
		if _, err := p.Make("autumn-nights", 100_000, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolutionCheck(b *testing.B) {
	p := entry.NewProver(testKey)
	now := time.Now()
	c, err := p.Make("autumn-nights", 1000, now)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := entry.Solve(c)
	sent := entry.Solved(c, n) // as the widget sends it
	for b.Loop() {
		if _, err := p.Check(sent, "autumn-nights", now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSolve is what a script pays per join: a search of the numbers up to the difficulty
// (half of them on average) with Go's SHA-256, on one core.
func BenchmarkSolve(b *testing.B) {
	for _, max := range []int64{100_000, 1_000_000} {
		b.Run("maxnumber="+strconv.FormatInt(max, 10), func(b *testing.B) {
			p := entry.NewProver(testKey)
			for b.Loop() {
				c, err := p.Make("autumn-nights", max, time.Now())
				if err != nil {
					b.Fatal(err)
				}
				solve(b, c, nil)
			}
		})
	}
}
