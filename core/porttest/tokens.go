package porttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// SeenFlusher is implemented by stores that write last-seen times coalesced: the suite flushes
// before it checks what admission makes of them.
type SeenFlusher interface {
	FlushSeen(ctx context.Context) error
}

// round is an admission round at now that finds nobody abandoned.
func round(batch, maxActive int, now time.Time) queue.Round {
	return queue.Round{Batch: batch, MaxActive: maxActive, Session: time.Minute, AbandonedBefore: epoch.Add(-time.Hour), Now: now}
}

// admittedAt is when AdmitFan issues and admits, before any test's clock, for a session that
// outlasts them all.
var admittedAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// AdmitFan issues user a token of sale and admits it (with whoever waits before it) for a
// session that outlasts any test: what HoldSeat needs of a fan that a test sets up through the
// stores. A fan already active keeps their token.
func AdmitFan(ctx context.Context, s queue.Store, sale core.SaleID, user core.UserID) (core.ID, error) {
	tok, err := s.IssueToken(ctx, sale, user, admittedAt)
	if err != nil || tok.State == queue.Active {
		return tok.ID, err
	}
	round := queue.Round{Batch: 1 << 20, MaxActive: 1 << 30, Session: 200 * 365 * 24 * time.Hour, AbandonedBefore: admittedAt.Add(-time.Hour), Now: admittedAt}
	if _, err := s.Admit(ctx, sale, round); err != nil {
		return "", err
	}
	if tok, err = s.Token(ctx, tok.ID); err != nil {
		return "", err
	}
	if tok.State != queue.Active {
		return "", fmt.Errorf("%s's token of %s is %v after an admission round, not active", user, sale, tok.State)
	}
	return tok.ID, nil
}

func issueN(t *testing.T, s queue.Store, n int, at time.Time) []queue.Token {
	t.Helper()
	toks := make([]queue.Token, n)
	for i := range toks {
		toks[i] = must[queue.Token](t)(s.IssueToken(ctx, testSale, core.UserID(fmt.Sprintf("u%d", i)), at))
	}
	return toks
}

// stateLetters reads the tokens' states as one letter each: w(aiting), a(ctive), e(xpired).
func stateLetters(t *testing.T, s queue.Store, toks []queue.Token) string {
	t.Helper()
	out := ""
	for _, tok := range toks {
		out += must[queue.Token](t)(s.Token(ctx, tok.ID)).State.String()[:1]
	}
	return out
}

// runTokens is the contract clause by clause, each t.Run one promise of the port, in the
// order a reader checks them; it is long because the contract is.
func runTokens(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("one live token per user, sequence increases", func(t *testing.T) {
		s := newStores(t).Queue
		a1 := must[queue.Token](t)(s.IssueToken(ctx, testSale, "alice", epoch))
		b := must[queue.Token](t)(s.IssueToken(ctx, testSale, "bob", epoch))
		a2 := must[queue.Token](t)(s.IssueToken(ctx, testSale, "alice", epoch.Add(time.Second)))
		if a1.ID != a2.ID || a1.Seq != a2.Seq {
			t.Fatalf("alice got two live tokens: %+v and %+v", a1, a2)
		}
		if a1.Seq != 1 || b.Seq != 2 || a1.State != queue.Waiting || a1.UserID != "alice" || a1.Early {
			t.Fatalf("unexpected tokens: alice %+v bob %+v", a1, b)
		}
		got := must[queue.Token](t)(s.Token(ctx, a1.ID))
		if got.ID != a1.ID || got.Seq != a1.Seq || !got.IssuedAt.Equal(epoch) {
			t.Fatalf("Token() = %+v, want %+v", got, a1)
		}
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.LastSeq != 2 || q.AdmittedThrough != 0 || q.Waiting() != 2 {
			t.Fatalf("queue %+v, want 2 issued and waiting", q)
		}
	})

	t.Run("unknown token", func(t *testing.T) {
		_, err := newStores(t).Queue.Token(ctx, core.NewID())
		wantErr(t, err, queue.ErrTokenUnknown)
	})

	t.Run("race: one token per user under concurrent requests, numbers gap-free", func(t *testing.T) {
		s := newStores(t).Queue
		const users, tries = 400, 5
		var mu sync.Mutex
		ids := map[core.UserID]map[core.ID]bool{}
		seqs := map[int64]core.UserID{}
		concurrently(users*tries, func(i int) {
			user := core.UserID(fmt.Sprintf("fan-%d", i%users))
			tok, err := s.IssueToken(ctx, testSale, user, epoch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if ids[user] == nil {
				ids[user] = map[core.ID]bool{}
			}
			ids[user][tok.ID] = true
			if other, ok := seqs[tok.Seq]; ok && other != user {
				t.Errorf("sequence %d given to %s and %s", tok.Seq, other, user)
			}
			seqs[tok.Seq] = user
		})
		for user, got := range ids {
			if len(got) != 1 {
				t.Fatalf("%s holds %d live tokens, want 1", user, len(got))
			}
		}
		for seq := int64(1); seq <= users; seq++ {
			if _, ok := seqs[seq]; !ok {
				t.Fatalf("sequence %d missing: numbers must be gap-free 1..%d", seq, users)
			}
		}
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.LastSeq != users {
			t.Fatalf("queue's last number %d, want %d", q.LastSeq, users)
		}
	})

	t.Run("storm: 10,000 concurrent issues, then admission strictly in sequence order", func(t *testing.T) {
		s := newStores(t).Queue
		const n = 10000
		bySeq := make([]queue.Token, n+1)
		var mu sync.Mutex
		concurrently(n, func(i int) {
			tok, err := s.IssueToken(ctx, testSale, core.UserID(fmt.Sprintf("storm-%d", i)), epoch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if tok.Seq < 1 || tok.Seq > n || bySeq[tok.Seq].ID != "" {
				t.Errorf("sequence %d out of 1..%d or given twice", tok.Seq, n)
				return
			}
			bySeq[tok.Seq] = tok
		})
		if t.Failed() {
			return
		}
		for seq := int64(1); seq <= n; seq++ {
			if bySeq[seq].ID == "" {
				t.Fatalf("sequence %d missing", seq)
			}
		}
		// Rounds of uneven size; after each, exactly the tokens 1..k are active.
		admitted := int64(0)
		for i, batch := range []int{1, 7, 500, 3, 2000} {
			res := must[queue.Result](t)(s.Admit(ctx, testSale, round(batch, n, epoch.Add(time.Duration(i)*time.Second))))
			if res.Admitted != batch {
				t.Fatalf("round %d admitted %d, want %d", i, res.Admitted, batch)
			}
			admitted += int64(batch)
			for _, seq := range []int64{1, admitted, admitted + 1, n} {
				want := queue.Waiting
				if seq <= admitted {
					want = queue.Active
				}
				if got := must[queue.Token](t)(s.Token(ctx, bySeq[seq].ID)); got.State != want {
					t.Fatalf("after %d admitted, token %d is %v, want %v", admitted, seq, got.State, want)
				}
			}
			if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.AdmittedThrough != admitted || q.Waiting() != n-admitted {
				t.Fatalf("after %d admitted the queue says %+v", admitted, q)
			}
		}
	})

	t.Run("admission in sequence order up to the ceiling, sessions expire", func(t *testing.T) {
		s := newStores(t).Queue
		toks := issueN(t, s, 5, epoch)
		res := must[queue.Result](t)(s.Admit(ctx, testSale, round(2, 3, epoch)))
		if res.Admitted != 2 || res.Expired != 0 || res.Waiting != 3 {
			t.Fatalf("first tick = %+v, want 2 admitted, 3 waiting", res)
		}
		// Ceiling 3 with 2 active leaves room for one more, whatever the batch.
		res = must[queue.Result](t)(s.Admit(ctx, testSale, round(10, 3, epoch.Add(time.Second))))
		if res.Admitted != 1 {
			t.Fatalf("second tick admitted %d, want 1 (ceiling)", res.Admitted)
		}
		if got := stateLetters(t, s, toks); got != "aaaww" {
			t.Fatalf("states %q, want aaaww (admission must follow sequence order)", got)
		}
		first := must[queue.Token](t)(s.Token(ctx, toks[0].ID))
		if !first.AdmittedAt.Equal(epoch) || !first.ExpiresAt.Equal(epoch.Add(time.Minute)) {
			t.Fatalf("admitted token times %+v", first)
		}
		st := must[queue.Stats](t)(s.QueueStats(ctx, testSale))
		if st.Waiting() != 2 || st.Active != 3 || st.AdmittedTotal != 3 || !st.OldestIssuedAt.Equal(epoch) {
			t.Fatalf("stats %+v, want 2 waiting, 3 active, 3 admitted in all, oldest issued at epoch", st)
		}
		// First two sessions end at epoch+1m; the third (admitted at +1s) a second later.
		res = must[queue.Result](t)(s.Admit(ctx, testSale, round(10, 3, epoch.Add(time.Minute))))
		if res.Expired != 2 || res.Admitted != 2 || res.Waiting != 0 {
			t.Fatalf("tick at session end = %+v, want 2 expired and 2 admitted", res)
		}
		if got := stateLetters(t, s, toks); got != "eeaaa" {
			t.Fatalf("states %q, want eeaaa", got)
		}
		again := must[queue.Token](t)(s.IssueToken(ctx, testSale, "u0", epoch.Add(time.Minute)))
		if again.ID == toks[0].ID || again.State != queue.Waiting || again.Seq != 6 {
			t.Fatalf("after expiry u0 must get a new waiting token numbered 6, got %+v", again)
		}
		if st := must[queue.Stats](t)(s.QueueStats(ctx, testSale)); !st.OldestIssuedAt.Equal(epoch.Add(time.Minute)) {
			t.Fatalf("oldest waiting issued at %v, want the new token's time", st.OldestIssuedAt)
		}
	})

	t.Run("abandoned tokens are skipped and expire; seen tokens are admitted", func(t *testing.T) {
		s := newStores(t).Queue
		toks := issueN(t, s, 6, epoch)
		for _, i := range []int{0, 2, 4} {
			if err := s.MarkSeen(ctx, toks[i].ID, epoch.Add(90*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		flushSeen(t, s)
		// Cut-off at +60s: tokens 1, 3 and 5 were last seen at issue, so their fans left.
		r := queue.Round{Batch: 2, MaxActive: 100, Session: time.Minute, AbandonedBefore: epoch.Add(time.Minute), Now: epoch.Add(2 * time.Minute)}
		res := must[queue.Result](t)(s.Admit(ctx, testSale, r))
		if res.Admitted != 2 || res.Abandoned != 2 || res.Waiting != 2 {
			t.Fatalf("round = %+v, want 2 admitted, 2 abandoned on the way, 2 waiting", res)
		}
		if got := stateLetters(t, s, toks); got != "aeaeww" {
			t.Fatalf("states %q, want aeaeww", got)
		}
		// Being seen never revives an expired token.
		if err := s.MarkSeen(ctx, toks[1].ID, epoch.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		flushSeen(t, s)
		if got := must[queue.Token](t)(s.Token(ctx, toks[1].ID)); got.State != queue.Expired {
			t.Fatalf("abandoned token is %v after MarkSeen, want expired", got.State)
		}
		// With no room left, a round still clears abandoned tokens at the head, and stops at
		// the first fan still there.
		r.Batch, r.MaxActive = 10, 2
		res = must[queue.Result](t)(s.Admit(ctx, testSale, r))
		if res.Admitted != 0 || res.Abandoned != 0 {
			t.Fatalf("full ceiling round = %+v, want nothing (token 4 is seen and heads the queue)", res)
		}
		r.AbandonedBefore = epoch.Add(100 * time.Second) // now token 4 has left too
		res = must[queue.Result](t)(s.Admit(ctx, testSale, r))
		if res.Admitted != 0 || res.Abandoned != 2 || res.Waiting != 0 {
			t.Fatalf("round = %+v, want the 2 abandoned tokens cleared", res)
		}
		st := must[queue.Stats](t)(s.QueueStats(ctx, testSale))
		if st.AbandonedTotal != 4 || st.AdmittedTotal != 2 || st.AdmittedThrough != 6 || !st.OldestIssuedAt.IsZero() {
			t.Fatalf("stats %+v, want 4 abandoned, 2 admitted, all 6 through", st)
		}
	})

	t.Run("opening: early tokens are drawn from the seed, later ones queue behind", func(t *testing.T) {
		s := newStores(t).Queue
		opens := epoch.Add(time.Hour)
		wantErr(t, s.ScheduleOpening(ctx, testSale, opens, 7), nil)
		wantErr(t, s.ScheduleOpening(ctx, testSale, opens, 42), nil) // moved before the opening: allowed
		early := issueN(t, s, 20, epoch)
		for _, tok := range early {
			if !tok.Early {
				t.Fatalf("token issued before the opening is not early: %+v", tok)
			}
		}
		res := must[queue.Result](t)(s.Admit(ctx, testSale, round(100, 100, opens.Add(-time.Minute))))
		if res.Admitted != 0 || res.Drawn != 0 {
			t.Fatalf("round before the opening = %+v, want nothing", res)
		}
		late := must[queue.Token](t)(s.IssueToken(ctx, testSale, "late", opens.Add(time.Second)))
		if late.Early || late.Seq != 21 {
			t.Fatalf("token after the opening = %+v, want not early, numbered 21", late)
		}
		wantErr(t, s.ScheduleOpening(ctx, testSale, opens.Add(time.Hour), 1), queue.ErrQueueOpen)
		res = must[queue.Result](t)(s.Admit(ctx, testSale, round(0, 100, opens.Add(2*time.Second))))
		if res.Drawn != 20 || res.Admitted != 0 {
			t.Fatalf("opening round = %+v, want 20 drawn", res)
		}
		places := queue.DrawOrder(20, 42)
		for i, tok := range early {
			if got := must[queue.Token](t)(s.Token(ctx, tok.ID)); got.Seq != places[i] {
				t.Fatalf("early token %d (arrived %d) placed %d, want %d from the seed", i, tok.Seq, got.Seq, places[i])
			}
		}
		if got := must[queue.Token](t)(s.Token(ctx, late.ID)); got.Seq != 21 {
			t.Fatalf("late token moved to %d by the draw", got.Seq)
		}
		q := must[queue.Queue](t)(s.Queue(ctx, testSale))
		if !q.Drawn || q.EarlyThrough != 20 || q.DrawSeed != 42 || !q.OpensAt.Equal(opens) {
			t.Fatalf("queue after the draw %+v", q)
		}
		// Admission follows the drawn order: the first 5 admitted are places 1..5.
		must[queue.Result](t)(s.Admit(ctx, testSale, round(5, 100, opens.Add(3*time.Second))))
		var active []int64
		for i, tok := range early {
			if must[queue.Token](t)(s.Token(ctx, tok.ID)).State == queue.Active {
				active = append(active, places[i])
			}
		}
		slices.Sort(active)
		if !slices.Equal(active, []int64{1, 2, 3, 4, 5}) {
			t.Fatalf("admitted places %v, want 1..5", active)
		}
	})

	t.Run("leave: a waiting fan's place is counted out, admission passes it, a second leave is expired", func(t *testing.T) {
		s := newStores(t).Queue
		toks := issueN(t, s, 6, epoch)
		must[queue.Result](t)(s.Admit(ctx, testSale, round(1, 100, epoch))) // u0 admitted
		must[queue.Token](t)(s.Leave(ctx, toks[2].ID, epoch))
		must[queue.Token](t)(s.Leave(ctx, toks[4].ID, epoch))
		_, err := s.Leave(ctx, toks[2].ID, epoch)
		wantErr(t, err, queue.ErrTokenExpired)
		_, err = s.Leave(ctx, core.NewID(), epoch)
		wantErr(t, err, queue.ErrTokenUnknown)
		q := must[queue.Queue](t)(s.Queue(ctx, testSale))
		if !slices.Equal(q.Left, []int64{3, 5}) || q.Waiting() != 3 {
			t.Fatalf("queue after two leave: Left %v, %d waiting; want [3 5] and 3", q.Left, q.Waiting())
		}
		if ahead := q.Ahead(toks[5]); ahead != 2 { // u1 and u3 wait before u5
			t.Fatalf("u5 has %d ahead, want 2", ahead)
		}
		if st := must[queue.Stats](t)(s.QueueStats(ctx, testSale)); st.Waiting() != 3 || !st.OldestIssuedAt.Equal(epoch) {
			t.Fatalf("stats after two leave: %+v", st)
		}
		res := must[queue.Result](t)(s.Admit(ctx, testSale, round(2, 100, epoch)))
		if res.Admitted != 2 || res.Waiting != 1 || stateLetters(t, s, toks) != "aaeaew" {
			t.Fatalf("round past a leaver: %+v, states %s; want u1 and u3 admitted, 1 waiting", res, stateLetters(t, s, toks))
		}
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.Ahead(toks[5]) != 0 || q.Waiting() != 1 || q.HasLeft(3) {
			t.Fatalf("queue after the round: %+v", q)
		}
		// An admitted fan leaving frees their place under the ceiling at once.
		must[queue.Token](t)(s.Leave(ctx, toks[0].ID, epoch))
		if st := must[queue.Stats](t)(s.QueueStats(ctx, testSale)); st.Active != 2 {
			t.Fatalf("%d active after an admitted fan left, want 2", st.Active)
		}
		again := must[queue.Token](t)(s.IssueToken(ctx, testSale, "u2", epoch.Add(time.Second)))
		if again.ID == toks[2].ID || again.Seq != 7 || again.State != queue.Waiting {
			t.Fatalf("a fan who left queues again: %+v, want a new token at the back", again)
		}
	})

	t.Run("race: fans leave while admission rounds run; none who left is admitted, none skipped", func(t *testing.T) {
		s := newStores(t).Queue
		toks := issueN(t, s, 200, epoch)
		var left sync.Map
		concurrently(8, func(w int) {
			if w == 0 {
				for range 40 {
					must[queue.Result](t)(s.Admit(ctx, testSale, round(5, 1000, epoch)))
				}
				return
			}
			for i := w; i < len(toks); i += 7 * 3 { // about one fan in three leaves
				if _, err := s.Leave(ctx, toks[i].ID, epoch); err == nil {
					left.Store(toks[i].ID, true)
				} else if !errors.Is(err, queue.ErrTokenExpired) {
					t.Error(err)
				}
			}
		})
		must[queue.Result](t)(s.Admit(ctx, testSale, round(1000, 1000, epoch)))
		for _, tok := range toks {
			got := must[queue.Token](t)(s.Token(ctx, tok.ID))
			_, didLeave := left.Load(tok.ID)
			if didLeave && got.State != queue.Expired || !didLeave && got.State != queue.Active {
				t.Fatalf("token %d: %v, left %v; want every leaver expired and everyone else admitted", tok.Seq, got.State, didLeave)
			}
		}
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.Waiting() != 0 || len(q.Left) != 0 {
			t.Fatalf("queue after everyone was reached: %+v", q)
		}
	})

	t.Run("an opening cannot be scheduled on a queue already first come, first served", func(t *testing.T) {
		s := newStores(t).Queue
		issueN(t, s, 1, epoch)
		wantErr(t, s.ScheduleOpening(ctx, testSale, epoch.Add(time.Hour), 1), queue.ErrQueueOpen)
	})

	t.Run("measured admission rate is stored", func(t *testing.T) {
		s := newStores(t).Queue
		set := queue.Settings{AdmitRate: 20, MaxActive: 300, Tick: time.Second, Revision: 1}
		wantErr(t, s.RecordAdmission(ctx, testSale, queue.Measure{AdmitRate: 12.5, Moved: true, Settings: set, At: epoch}), nil)
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.AdmitRate != 12.5 || !q.RateAt.Equal(epoch) || !q.MovedAt.Equal(epoch) || q.Settings != set {
			t.Fatalf("queue %+v, want rate 12.5 at epoch, moved then, with %+v", q, set)
		}
		// A round that did not move keeps the time admission last moved.
		wantErr(t, s.RecordAdmission(ctx, testSale, queue.Measure{AdmitRate: 10, Settings: set, At: epoch.Add(time.Second)}), nil)
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.AdmitRate != 10 || !q.MovedAt.Equal(epoch) {
			t.Fatalf("queue %+v, want rate 10 and moved at epoch still", q)
		}
	})

	t.Run("the settings of the highest revision stay in force", func(t *testing.T) {
		s := newStores(t).Queue
		changed := queue.Settings{AdmitRate: 1, MaxActive: 300, Tick: time.Second, Revision: 2}
		wantErr(t, s.RecordSettings(ctx, testSale, changed), nil)
		// A round that started before the change reports the older settings afterwards.
		older := queue.Settings{AdmitRate: 50, MaxActive: 300, Tick: time.Second, Revision: 1}
		wantErr(t, s.RecordAdmission(ctx, testSale, queue.Measure{AdmitRate: 40, Settings: older, At: epoch}), nil)
		wantErr(t, s.RecordSettings(ctx, testSale, older), nil)
		if q := must[queue.Queue](t)(s.Queue(ctx, testSale)); q.Settings != changed || q.AdmitRate != 40 {
			t.Fatalf("queue %+v, want the settings of revision 2 (%+v) and the measured rate 40", q, changed)
		}
	})
}

func flushSeen(t *testing.T, s queue.Store) {
	t.Helper()
	if f, ok := s.(SeenFlusher); ok {
		if err := f.FlushSeen(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
