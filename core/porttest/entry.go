package porttest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// runEntry is the contract of the queues' door: a sale's entry rules stored with it, quotas
// that racing joins never pass, and solutions spent once and access codes' uses redeemed once
// each, in the transaction of the token they let in.
func runEntry(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("a sale's entry rules are stored and changed with it", func(t *testing.T) {
		s := newStores(t)
		rules := core.EntryRules{PowMaxNumber: 250_000, PresaleUntil: epoch.Add(time.Hour)}
		sale := catalog.Sale{ID: "presale-sale", Title: "Presale", Venue: "Hall", State: core.OnSale, MaxTicketsPerFan: 2, Entry: rules, CreatedAt: epoch}
		wantErr(t, s.Catalog.CreateSale(ctx, sale, nil), nil)
		if got := must[catalog.Sale](t)(s.Catalog.Sale(ctx, sale.ID)); got.Entry != rules {
			t.Fatalf("entry %+v, want %+v", got.Entry, rules)
		}
		off := core.EntryRules{}
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, sale.ID, catalog.SaleChange{Entry: &off}.Apply))
		if got := must[catalog.Sale](t)(s.Catalog.Sale(ctx, sale.ID)); got.Entry != off {
			t.Fatalf("entry after turning it off %+v, want none", got.Entry)
		}
	})

	for _, presale := range []bool{false, true} {
		t.Run(fmt.Sprintf("race: a solution lets one fan in (presale %v)", presale), func(t *testing.T) {
			s := newStores(t)
			pass := entry.Pass{Proof: solution("a"), Presale: presale}
			if presale {
				pass.Code = addCode(t, s, entry.CodeSpec{Count: 1, Uses: 100})
			}
			var won atomic.Int32
			concurrently(24, func(i int) {
				_, err := s.Queue.IssueTokenWithPass(ctx, testSale, core.UserID(fmt.Sprintf("fan-%d", i)), pass, epoch)
				switch {
				case err == nil:
					won.Add(1)
				case !errors.Is(err, entry.ErrSpent):
					t.Error(err)
				}
			})
			if q := must[queue.Queue](t)(s.Queue.Queue(ctx, testSale)); won.Load() != 1 || q.LastSeq != 1 {
				t.Fatalf("%d of 24 racing joins with one solution got in, %d tokens issued; want 1", won.Load(), q.LastSeq)
			}
			if presale && usesLeft(t, s, pass.Code) != 99 {
				t.Fatalf("%d uses left, want 99: a spent solution redeemed a use", usesLeft(t, s, pass.Code))
			}
			pass.Proof = solution("b")
			must[queue.Token](t)(s.Queue.IssueTokenWithPass(ctx, testSale, "another", pass, epoch))
		})
	}

	t.Run("a solution is spent even when the code refuses the join", func(t *testing.T) {
		s := newStores(t)
		pass := entry.Pass{Proof: solution("c"), Presale: true, Code: "NOPE-NOPE-NOPE-NOPE"}
		_, err := s.Queue.IssueTokenWithPass(ctx, testSale, "guesser", pass, epoch)
		wantErr(t, err, entry.ErrUnknownCode)
		pass.Code = addCode(t, s, entry.CodeSpec{Count: 1})
		_, err = s.Queue.IssueTokenWithPass(ctx, testSale, "guesser", pass, epoch)
		wantErr(t, err, entry.ErrSpent)
		if usesLeft(t, s, pass.Code) != 1 {
			t.Fatal("a join refused for its spent solution redeemed the code")
		}
	})

	t.Run("race: an address's quota holds under racing joins, per sale and minute", func(t *testing.T) {
		s := newStores(t).Entry
		var took atomic.Int32
		concurrently(24, func(int) {
			ok, err := s.TakeQuota(ctx, testSale, "203.0.113.7", epoch, 5)
			if err != nil {
				t.Error(err)
			}
			if ok {
				took.Add(1)
			}
		})
		if took.Load() != 5 {
			t.Fatalf("%d of 24 racing joins counted under a quota of 5", took.Load())
		}
		for name, k := range map[string]struct {
			sale    core.SaleID
			address string
			window  time.Time
		}{
			"another address": {testSale, "203.0.113.8", epoch},
			"another sale":    {"other-sale", "203.0.113.7", epoch},
			"the next minute": {testSale, "203.0.113.7", epoch.Add(time.Minute)},
		} {
			if ok := must[bool](t)(s.TakeQuota(ctx, k.sale, k.address, k.window, 5)); !ok {
				t.Errorf("%s: refused, but it has a quota of its own", name)
			}
		}
	})

	t.Run("a join given back frees its count; a fan's live token is found by sale and user", func(t *testing.T) {
		s := newStores(t)
		must[bool](t)(s.Entry.TakeQuota(ctx, testSale, "203.0.113.7", epoch, 1))
		wantErr(t, s.Entry.ReturnQuota(ctx, testSale, "203.0.113.7", epoch), nil)
		wantErr(t, s.Entry.ReturnQuota(ctx, testSale, "203.0.113.7", epoch), nil) // nothing left to give back
		if !must[bool](t)(s.Entry.TakeQuota(ctx, testSale, "203.0.113.7", epoch, 1)) || must[bool](t)(s.Entry.TakeQuota(ctx, testSale, "203.0.113.7", epoch, 1)) {
			t.Fatal("a quota of 1 with its join given back takes exactly one more")
		}
		_, err := s.Queue.LiveToken(ctx, testSale, "ann", epoch)
		wantErr(t, err, queue.ErrTokenUnknown)
		tok := must[queue.Token](t)(s.Queue.IssueToken(ctx, testSale, "ann", epoch))
		if got := must[queue.Token](t)(s.Queue.LiveToken(ctx, testSale, "ann", epoch)); got.ID != tok.ID {
			t.Fatalf("LiveToken = %s, want %s", got.ID, tok.ID)
		}
		_, err = s.Queue.LiveToken(ctx, "other-sale", "ann", epoch)
		wantErr(t, err, queue.ErrTokenUnknown)
		must[queue.Token](t)(s.Queue.Leave(ctx, tok.ID, epoch))
		_, err = s.Queue.LiveToken(ctx, testSale, "ann", epoch)
		wantErr(t, err, queue.ErrTokenUnknown)
	})

	t.Run("codes are listed with their uses left", func(t *testing.T) {
		s := newStores(t)
		codes := must[[]entry.AccessCode](t)(entry.NewCodes(testSale, entry.CodeSpec{Count: 3, Uses: 2, ExpiresAt: epoch.Add(time.Hour)}, epoch))
		wantErr(t, s.Entry.AddCodes(ctx, codes), nil)
		got := must[[]entry.AccessCode](t)(s.Entry.Codes(ctx, testSale))
		if len(got) != 3 {
			t.Fatalf("%d codes, want 3", len(got))
		}
		for _, c := range got {
			if c.Uses != 2 || c.UsesLeft != 2 || !c.ExpiresAt.Equal(epoch.Add(time.Hour)) || c.SaleID != testSale {
				t.Fatalf("code %+v, want 2 uses left until %s", c, epoch.Add(time.Hour))
			}
		}
		if other := must[[]entry.AccessCode](t)(s.Entry.Codes(ctx, "other-sale")); len(other) != 0 {
			t.Fatalf("another sale lists %d codes", len(other))
		}
	})

	t.Run("codes of two batches in one call are refused, and none is stored", func(t *testing.T) {
		s := newStores(t)
		createSale(t, s, "other-sale")
		one := must[[]entry.AccessCode](t)(entry.NewCodes(testSale, entry.CodeSpec{Count: 1}, epoch))[0]
		for name, other := range map[string]func(c *entry.AccessCode){
			"another sale's":   func(c *entry.AccessCode) { c.SaleID = "other-sale" },
			"another expiry":   func(c *entry.AccessCode) { c.ExpiresAt = epoch.Add(time.Hour) },
			"another creation": func(c *entry.AccessCode) { c.CreatedAt = epoch.Add(time.Second) },
		} {
			second := must[[]entry.AccessCode](t)(entry.NewCodes(testSale, entry.CodeSpec{Count: 1}, epoch))[0]
			other(&second)
			if err := s.Entry.AddCodes(ctx, []entry.AccessCode{one, second}); err == nil {
				t.Errorf("%s: codes of two batches added in one call", name)
			}
		}
		for _, sale := range []core.SaleID{testSale, "other-sale"} {
			if got := must[[]entry.AccessCode](t)(s.Entry.Codes(ctx, sale)); len(got) != 0 {
				t.Fatalf("%s lists %d codes after refused calls, want none", sale, len(got))
			}
		}
	})

	t.Run("race: a code's uses are redeemed once each, by distinct fans", func(t *testing.T) {
		s := newStores(t)
		code := addCode(t, s, entry.CodeSpec{Count: 1, Uses: 3})
		var won atomic.Int32
		concurrently(16, func(i int) {
			_, err := s.Queue.IssueTokenWithPass(ctx, testSale, core.UserID(fmt.Sprintf("fan-%d", i)), presale(code), epoch)
			var refused *entry.CodeError
			switch {
			case err == nil:
				won.Add(1)
			case !errors.As(err, &refused):
				t.Error(err)
			}
		})
		if won.Load() != 3 || usesLeft(t, s, code) != 0 {
			t.Fatalf("%d fans got in on a code of 3 uses, %d left", won.Load(), usesLeft(t, s, code))
		}
		if q := must[queue.Queue](t)(s.Queue.Queue(ctx, testSale)); q.LastSeq != 3 {
			t.Fatalf("%d tokens issued, want 3: a refused redemption issued one", q.LastSeq)
		}
	})

	t.Run("race: one fan asking many times redeems one use", func(t *testing.T) {
		s := newStores(t)
		code := addCode(t, s, entry.CodeSpec{Count: 1, Uses: 5})
		ids := make([]core.ID, 12)
		concurrently(12, func(i int) {
			tok, err := s.Queue.IssueTokenWithPass(ctx, testSale, "fan", presale(code), epoch)
			if err != nil {
				t.Error(err)
			}
			ids[i] = tok.ID
		})
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("one fan got tokens %s and %s", ids[0], id)
			}
		}
		if left := usesLeft(t, s, code); left != 4 {
			t.Fatalf("%d uses left after one fan's 12 asks, want 4", left)
		}
		// Asking again with a wrong code, or none, returns the live token and redeems nothing.
		for _, again := range []string{"", "NOPE-NOPE-NOPE-NOPE", code} {
			if tok := must[queue.Token](t)(s.Queue.IssueTokenWithPass(ctx, testSale, "fan", presale(again), epoch)); tok.ID != ids[0] {
				t.Fatalf("asking again with %q gave another token", again)
			}
		}
		if left := usesLeft(t, s, code); left != 4 {
			t.Fatalf("%d uses left after asking again, want 4", left)
		}
	})

	t.Run("a fan comes back in on a code they redeemed, taking no second use", func(t *testing.T) {
		s := newStores(t)
		code := addCode(t, s, entry.CodeSpec{Count: 1, ExpiresAt: epoch.Add(time.Hour)})
		first := must[queue.Token](t)(s.Queue.IssueTokenWithPass(ctx, testSale, "fan", presale(code), epoch))
		must[queue.Token](t)(s.Queue.Leave(ctx, first.ID, epoch.Add(time.Minute))) // or their turn ended
		again := must[queue.Token](t)(s.Queue.IssueTokenWithPass(ctx, testSale, "fan", presale(code), epoch.Add(2*time.Minute)))
		if again.ID == first.ID || again.Seq != first.Seq+1 {
			t.Fatalf("back on their code: token %+v, want a new one after %+v", again, first)
		}
		if left := usesLeft(t, s, code); left != 0 {
			t.Fatalf("%d uses left of 1, want 0: the return took or gave back a use", left)
		}
		_, err := s.Queue.IssueTokenWithPass(ctx, testSale, "another-fan", presale(code), epoch.Add(2*time.Minute))
		wantRefusedCode(t, err, "used up") // for everyone else
		must[queue.Token](t)(s.Queue.Leave(ctx, again.ID, epoch.Add(3*time.Minute)))
		_, err = s.Queue.IssueTokenWithPass(ctx, testSale, "fan", presale(code), epoch.Add(time.Hour))
		wantRefusedCode(t, err, "expired") // for its redeemer too
	})

	t.Run("a refused code issues nothing and redeems nothing", func(t *testing.T) {
		s := newStores(t)
		createSale(t, s, "other-sale")
		expiring := addCode(t, s, entry.CodeSpec{Count: 1, Uses: 2, ExpiresAt: epoch.Add(time.Minute)})
		used := addCode(t, s, entry.CodeSpec{Count: 1})
		must[queue.Token](t)(s.Queue.IssueTokenWithPass(ctx, testSale, "first", presale(used), epoch))
		others := must[[]entry.AccessCode](t)(entry.NewCodes("other-sale", entry.CodeSpec{Count: 1}, epoch))
		wantErr(t, s.Entry.AddCodes(ctx, others), nil)
		for name, tc := range map[string]struct {
			code string
			at   time.Time
			want error
		}{
			"none":           {"", epoch, entry.ErrNoCode},
			"unknown":        {"NOPE-NOPE-NOPE-NOPE", epoch, entry.ErrUnknownCode},
			"used up":        {used, epoch, core.ErrForbidden},
			"expired":        {expiring, epoch.Add(time.Minute), core.ErrForbidden},
			"another sale's": {others[0].Code, epoch, core.ErrForbidden},
		} {
			_, err := s.Queue.IssueTokenWithPass(ctx, testSale, core.UserID("refused-"+name[:4]), presale(tc.code), tc.at)
			var refused *entry.CodeError
			if !errors.As(err, &refused) || !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %v", name, err, tc.want)
			}
		}
		if q := must[queue.Queue](t)(s.Queue.Queue(ctx, testSale)); q.LastSeq != 1 {
			t.Fatalf("%d tokens issued, want only the first fan's", q.LastSeq)
		}
		if usesLeft(t, s, expiring) != 2 || usesLeftIn(t, s, "other-sale", others[0].Code) != 1 {
			t.Fatal("a refused join redeemed a use")
		}
	})
}

// wantRefusedCode fails unless err is an access code's refusal whose reason says what.
func wantRefusedCode(t *testing.T, err error, what string) {
	t.Helper()
	var refused *entry.CodeError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, what) {
		t.Fatalf("error = %v, want the access code refused as %s", err, what)
	}
}

// solution is a checked solution as entry.Prover.Check returns one: its challenge the hex of a
// SHA-256, here of seed.
func solution(seed string) *entry.Solution {
	sum := sha256.Sum256([]byte(seed))
	return &entry.Solution{Challenge: hex.EncodeToString(sum[:]), Expires: epoch.Add(entry.ChallengeTTL)}
}

// presale is the pass of a presale join with code, without a proof of work.
func presale(code string) entry.Pass { return entry.Pass{Presale: true, Code: code} }

// addCode stores one code of spec in testSale and returns it.
func addCode(t *testing.T, s Stores, spec entry.CodeSpec) string {
	t.Helper()
	codes := must[[]entry.AccessCode](t)(entry.NewCodes(testSale, spec, epoch.Add(-time.Second)))
	wantErr(t, s.Entry.AddCodes(ctx, codes), nil)
	return codes[0].Code
}

// usesLeft reads a code of testSale's uses left.
func usesLeft(t *testing.T, s Stores, code string) int {
	t.Helper()
	return usesLeftIn(t, s, testSale, code)
}

// usesLeftIn reads a code of sale's uses left.
func usesLeftIn(t *testing.T, s Stores, sale core.SaleID, code string) int {
	t.Helper()
	for _, c := range must[[]entry.AccessCode](t)(s.Entry.Codes(ctx, sale)) {
		if c.Code == code {
			return c.UsesLeft
		}
	}
	t.Fatalf("code %s is not listed", code)
	return 0
}
