package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// IssueToken implements queue.Store.
func (s *Tokens) IssueToken(_ context.Context, sale core.SaleID, user core.UserID, now time.Time) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issue(sale, user, now, func() error { return nil })
}

// IssueTokenWithPass implements queue.Store.
func (s *Tokens) IssueTokenWithPass(_ context.Context, sale core.SaleID, user core.UserID, pass entry.Pass, now time.Time) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pass.Proof != nil && !s.fairEntry.spend(*pass.Proof, now) {
		return queue.Token{}, entry.ErrSpent
	}
	if !pass.Presale {
		return s.issue(sale, user, now, func() error { return nil })
	}
	return s.issue(sale, user, now, func() error { return s.fairEntry.redeem(sale, user, pass.Code, now) })
}

// issue returns the user's live token, or takes a new one once redeem says it may.
func (s *state) issue(sale core.SaleID, user core.UserID, now time.Time, redeem func() error) (queue.Token, error) {
	if id, ok := s.liveByUser[saleUser{sale, user}]; ok {
		if t := s.tokens[id]; t.Live(now) {
			return *t, nil
		}
		s.expire(s.tokens[id])
	}
	if err := redeem(); err != nil {
		return queue.Token{}, err
	}
	q := s.queueOf(sale)
	if !q.OpensAt.IsZero() && !q.Closed && !now.Before(q.OpensAt) {
		q.closePreQueue()
	}
	q.LastSeq++
	t := &queue.Token{
		ID: core.NewID(), UserID: user, SaleID: sale, Seq: q.LastSeq, State: queue.Waiting, IssuedAt: now,
		Early: !q.OpensAt.IsZero() && !q.Closed,
	}
	s.tokens[t.ID] = t
	q.bySeq[t.Seq] = t
	s.lastSeen[t.ID] = now
	s.liveByUser[saleUser{sale, user}] = t.ID
	return *t, nil
}

// LiveToken implements queue.Store.
func (s *Tokens) LiveToken(_ context.Context, sale core.SaleID, user core.UserID, now time.Time) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.liveByUser[saleUser{sale, user}]; ok && s.tokens[id].Live(now) {
		return *s.tokens[id], nil
	}
	return queue.Token{}, queue.ErrTokenUnknown
}

// Token implements queue.Store.
func (s *Tokens) Token(_ context.Context, id core.ID) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return queue.Token{}, queue.ErrTokenUnknown
	}
	return *t, nil
}

// Queue implements queue.Store.
func (s *Tokens) Queue(_ context.Context, sale core.SaleID) (queue.Queue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueOf(sale).Queue
	q.Left = slices.Clone(q.Left) // the caller's, not the store's
	return q, nil
}

// Leave implements queue.Store.
func (s *Tokens) Leave(_ context.Context, id core.ID, now time.Time) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return queue.Token{}, queue.ErrTokenUnknown
	}
	if !t.Live(now) {
		return queue.Token{}, queue.ErrTokenExpired
	}
	// An early token's number is provisional until the draw, which counts its leavers anew.
	if q := s.queueOf(t.SaleID); t.State == queue.Waiting && t.Seq > q.AdmittedThrough && (!t.Early || q.Drawn) {
		i, _ := slices.BinarySearch(q.Left, t.Seq)
		q.Left = slices.Insert(q.Left, i, t.Seq)
	}
	s.expire(t)
	return *t, nil
}

// MarkSeen implements queue.Store; the memory store writes at once.
func (s *Tokens) MarkSeen(_ context.Context, id core.ID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[id]; ok && t.State == queue.Waiting && now.After(s.lastSeen[id]) {
		s.lastSeen[id] = now
	}
	return nil
}

// Admit implements queue.Store.
func (s *Tokens) Admit(_ context.Context, sale core.SaleID, r queue.Round) (queue.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res queue.Result
	active := 0
	for _, t := range s.tokens {
		if t.SaleID != sale || t.State != queue.Active {
			continue
		}
		if !r.Now.Before(t.ExpiresAt) {
			s.expire(t)
			res.Expired++
		} else {
			active++
		}
	}
	q := s.queueOf(sale)
	if q.Open(r.Now) {
		if !q.OpensAt.IsZero() && !q.Closed {
			q.closePreQueue()
		}
		if !q.OpensAt.IsZero() && !q.Drawn {
			res.Drawn = q.draw()
		}
		room := r.Room(active)
	round:
		for seq := q.AdmittedThrough + 1; seq <= q.LastSeq; seq++ {
			switch t := q.bySeq[seq]; {
			case t.State != queue.Waiting: // its fan left the queue
			case r.Abandoned(s.lastSeen[t.ID]):
				s.expire(t)
				res.Abandoned++
			case res.Admitted < room:
				t.State, t.AdmittedAt, t.ExpiresAt = queue.Active, r.Now, r.Now.Add(r.Session)
				res.Admitted++
			default:
				break round // the next fan to admit: the round ends before them
			}
			q.AdmittedThrough = seq
		}
		q.AdmittedTotal += int64(res.Admitted)
		q.AbandonedTotal += int64(res.Abandoned)
		passed, _ := slices.BinarySearch(q.Left, q.AdmittedThrough+1)
		q.Left = q.Left[passed:] // leavers the watermark passed are nobody's concern now
	}
	res.Waiting = q.Waiting()
	q.Asleep = res.Waiting == 0 // the loop sleeps after this round; a fan who joins wakes it
	return res, nil
}

// closePreQueue makes every token issued so far an early one, to be drawn.
func (q *saleQueue) closePreQueue() {
	q.Closed, q.EarlyThrough = true, q.LastSeq
}

// draw gives the early tokens their places by queue.DrawOrder.
func (q *saleQueue) draw() int {
	n := q.EarlyThrough
	places := queue.DrawOrder(n, q.DrawSeed)
	early := make([]*queue.Token, n)
	for seq := int64(1); seq <= n; seq++ {
		early[seq-1] = q.bySeq[seq]
	}
	for i, t := range early {
		t.Seq = places[i]
		q.bySeq[t.Seq] = t
		if t.State != queue.Waiting { // its fan left before the draw
			j, _ := slices.BinarySearch(q.Left, t.Seq)
			q.Left = slices.Insert(q.Left, j, t.Seq)
		}
	}
	q.Drawn = true
	return int(n)
}

// RecordAdmission implements queue.Store.
func (s *Tokens) RecordAdmission(_ context.Context, sale core.SaleID, m queue.Measure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueOf(sale)
	q.AdmitRate, q.RateAt = m.AdmitRate, m.At
	if m.Moved {
		q.MovedAt = m.At
	}
	q.recordSettings(m.Settings)
	return nil
}

// RecordSettings implements queue.Store.
func (s *Tokens) RecordSettings(_ context.Context, sale core.SaleID, settings queue.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueOf(sale).recordSettings(settings)
	return nil
}

func (q *saleQueue) recordSettings(settings queue.Settings) {
	if settings.Revision >= q.Settings.Revision {
		q.Settings = settings
	}
}

// ScheduleOpening implements queue.Store.
func (s *Tokens) ScheduleOpening(_ context.Context, sale core.SaleID, at time.Time, seed int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueOf(sale)
	if !q.Schedulable() {
		return queue.ErrQueueOpen
	}
	q.OpensAt, q.DrawSeed = at, seed
	return nil
}

// QueueStats implements queue.Store.
func (s *Tokens) QueueStats(_ context.Context, sale core.SaleID) (queue.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueOf(sale)
	st := queue.Stats{Queue: q.Queue}
	for _, t := range s.tokens {
		if t.SaleID == sale && t.State == queue.Active {
			st.Active++
		}
	}
	for seq := q.AdmittedThrough + 1; seq <= q.LastSeq; seq++ {
		if head := q.bySeq[seq]; head.State == queue.Waiting {
			st.OldestIssuedAt = head.IssuedAt
			break
		}
	}
	return st, nil
}
