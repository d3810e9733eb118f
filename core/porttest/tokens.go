package porttest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

func runTokens(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("one live token per user, sequence increases", func(t *testing.T) {
		s := newStores(t).Tokens
		a1 := must[core.QueueToken](t)(s.IssueToken(ctx, "alice", epoch))
		b := must[core.QueueToken](t)(s.IssueToken(ctx, "bob", epoch))
		a2 := must[core.QueueToken](t)(s.IssueToken(ctx, "alice", epoch.Add(time.Second)))
		if a1.ID != a2.ID || a1.Seq != a2.Seq {
			t.Fatalf("alice got two live tokens: %+v and %+v", a1, a2)
		}
		if !(b.Seq > a1.Seq) || a1.State != core.TokenWaiting || a1.UserID != "alice" {
			t.Fatalf("unexpected tokens: alice %+v bob %+v", a1, b)
		}
		got := must[core.QueueToken](t)(s.Token(ctx, a1.ID))
		if got.ID != a1.ID || got.Seq != a1.Seq || !got.IssuedAt.Equal(epoch) {
			t.Fatalf("Token() = %+v, want %+v", got, a1)
		}
	})

	t.Run("unknown token", func(t *testing.T) {
		_, err := newStores(t).Tokens.Token(ctx, core.NewID())
		wantErr(t, err, core.ErrTokenUnknown)
	})

	t.Run("race: concurrent issues for one user yield one token", func(t *testing.T) {
		s := newStores(t).Tokens
		var mu sync.Mutex
		ids := map[core.ID]bool{}
		concurrently(50, func(int) {
			tok, err := s.IssueToken(ctx, "carol", epoch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ids[tok.ID] = true
			mu.Unlock()
		})
		if len(ids) != 1 {
			t.Fatalf("carol holds %d live tokens, want 1", len(ids))
		}
	})

	t.Run("race: concurrent issues get distinct sequence numbers", func(t *testing.T) {
		s := newStores(t).Tokens
		var mu sync.Mutex
		seqs := map[int64]bool{}
		concurrently(200, func(i int) {
			tok, err := s.IssueToken(ctx, core.UserID(fmt.Sprintf("fan-%d", i)), epoch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seqs[tok.Seq] = true
			mu.Unlock()
		})
		if len(seqs) != 200 {
			t.Fatalf("%d distinct sequence numbers for 200 fans", len(seqs))
		}
	})

	t.Run("admission in sequence order up to the ceiling, sessions expire", func(t *testing.T) {
		s := newStores(t).Tokens
		var toks []core.QueueToken
		for i := range 5 {
			toks = append(toks, must[core.QueueToken](t)(s.IssueToken(ctx, core.UserID(fmt.Sprintf("u%d", i)), epoch)))
		}
		if n := must[int64](t)(s.WaitingAhead(ctx, toks[3].Seq)); n != 3 {
			t.Fatalf("WaitingAhead(4th) = %d, want 3", n)
		}
		res := must[core.AdmissionResult](t)(s.Admit(ctx, 2, 3, time.Minute, epoch))
		if res.Admitted != 2 || res.Expired != 0 {
			t.Fatalf("first tick = %+v, want 2 admitted", res)
		}
		// Ceiling 3 with 2 active leaves room for one more, whatever the batch.
		res = must[core.AdmissionResult](t)(s.Admit(ctx, 10, 3, time.Minute, epoch.Add(time.Second)))
		if res.Admitted != 1 {
			t.Fatalf("second tick admitted %d, want 1 (ceiling)", res.Admitted)
		}
		for i, want := range []core.TokenState{core.TokenActive, core.TokenActive, core.TokenActive, core.TokenWaiting, core.TokenWaiting} {
			got := must[core.QueueToken](t)(s.Token(ctx, toks[i].ID))
			if got.State != want {
				t.Fatalf("token %d state %v, want %v (admission must follow sequence order)", i, got.State, want)
			}
		}
		first := must[core.QueueToken](t)(s.Token(ctx, toks[0].ID))
		if !first.AdmittedAt.Equal(epoch) || !first.ExpiresAt.Equal(epoch.Add(time.Minute)) {
			t.Fatalf("admitted token times %+v", first)
		}
		if n := must[int64](t)(s.WaitingAhead(ctx, toks[3].Seq)); n != 0 {
			t.Fatalf("WaitingAhead after admission = %d, want 0", n)
		}
		st := must[core.QueueStats](t)(s.QueueStats(ctx))
		if st.Waiting != 2 || st.Active != 3 {
			t.Fatalf("stats %+v, want 2 waiting 3 active", st)
		}
		// First two sessions end at epoch+1m; the third (admitted at +1s) a second later.
		res = must[core.AdmissionResult](t)(s.Admit(ctx, 10, 3, time.Minute, epoch.Add(time.Minute)))
		if res.Expired != 2 || res.Admitted != 2 {
			t.Fatalf("tick at session end = %+v, want 2 expired and 2 admitted", res)
		}
		if got := must[core.QueueToken](t)(s.Token(ctx, toks[0].ID)); got.State != core.TokenExpired {
			t.Fatalf("session past its end is %v, want expired", got.State)
		}
		again := must[core.QueueToken](t)(s.IssueToken(ctx, "u0", epoch.Add(time.Minute)))
		if again.ID == toks[0].ID || again.State != core.TokenWaiting {
			t.Fatalf("after expiry u0 must get a new waiting token, got %+v", again)
		}
	})
}
