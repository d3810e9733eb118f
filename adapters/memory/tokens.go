package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// IssueToken implements queue.Store.
func (s *Store) IssueToken(_ context.Context, user core.UserID, now time.Time) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.liveByUser[user]; ok {
		if t := s.tokens[id]; t.Live(now) {
			return *t, nil
		}
		s.expire(s.tokens[id])
	}
	q := &s.queue
	if !q.OpensAt.IsZero() && !q.Closed && !now.Before(q.OpensAt) {
		s.closePreQueue()
	}
	q.LastSeq++
	t := &queue.Token{
		ID: core.NewID(), UserID: user, Seq: q.LastSeq, State: queue.Waiting, IssuedAt: now,
		Early: !q.OpensAt.IsZero() && !q.Closed,
	}
	s.tokens[t.ID] = t
	s.bySeq[t.Seq] = t
	s.lastSeen[t.ID] = now
	s.liveByUser[user] = t.ID
	return *t, nil
}

// Token implements queue.Store.
func (s *Store) Token(_ context.Context, id core.ID) (queue.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return queue.Token{}, queue.ErrTokenUnknown
	}
	return *t, nil
}

// Queue implements queue.Store.
func (s *Store) Queue(context.Context) (queue.Queue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue, nil
}

// MarkSeen implements queue.Store; the memory store writes at once.
func (s *Store) MarkSeen(_ context.Context, id core.ID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[id]; ok && t.State == queue.Waiting && now.After(s.lastSeen[id]) {
		s.lastSeen[id] = now
	}
	return nil
}

// Admit implements queue.Store.
func (s *Store) Admit(_ context.Context, r queue.Round) (queue.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res queue.Result
	active := 0
	for _, t := range s.tokens {
		if t.State != queue.Active {
			continue
		}
		if !r.Now.Before(t.ExpiresAt) {
			s.expire(t)
			res.Expired++
		} else {
			active++
		}
	}
	q := &s.queue
	if q.Open(r.Now) {
		if !q.OpensAt.IsZero() && !q.Closed {
			s.closePreQueue()
		}
		if !q.OpensAt.IsZero() && !q.Drawn {
			res.Drawn = s.draw()
		}
		room := r.Room(active)
	round:
		for seq := q.AdmittedThrough + 1; seq <= q.LastSeq; seq++ {
			switch t := s.bySeq[seq]; {
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
	}
	res.Waiting = q.Waiting()
	return res, nil
}

// closePreQueue makes every token issued so far an early one, to be drawn.
func (s *Store) closePreQueue() {
	s.queue.Closed, s.queue.EarlyThrough = true, s.queue.LastSeq
}

// draw gives the early tokens their places by queue.DrawOrder.
func (s *Store) draw() int {
	n := s.queue.EarlyThrough
	places := queue.DrawOrder(n, s.queue.DrawSeed)
	early := make([]*queue.Token, n)
	for seq := int64(1); seq <= n; seq++ {
		early[seq-1] = s.bySeq[seq]
	}
	for i, t := range early {
		t.Seq = places[i]
		s.bySeq[t.Seq] = t
	}
	s.queue.Drawn = true
	return int(n)
}

// RecordAdmission implements queue.Store.
func (s *Store) RecordAdmission(_ context.Context, m queue.Measure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue.AdmitRate, s.queue.RateAt = m.AdmitRate, m.At
	if m.Moved {
		s.queue.MovedAt = m.At
	}
	s.recordSettings(m.Settings)
	return nil
}

// RecordSettings implements queue.Store.
func (s *Store) RecordSettings(_ context.Context, settings queue.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordSettings(settings)
	return nil
}

func (s *Store) recordSettings(settings queue.Settings) {
	if settings.Revision >= s.queue.Settings.Revision {
		s.queue.Settings = settings
	}
}

// ScheduleOpening implements queue.Store.
func (s *Store) ScheduleOpening(_ context.Context, at time.Time, seed int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &s.queue
	if !q.Schedulable() {
		return queue.ErrQueueOpen
	}
	q.OpensAt, q.DrawSeed = at, seed
	return nil
}

// QueueStats implements queue.Store.
func (s *Store) QueueStats(context.Context) (queue.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := queue.Stats{Queue: s.queue}
	for _, t := range s.tokens {
		if t.State == queue.Active {
			st.Active++
		}
	}
	if head, ok := s.bySeq[s.queue.AdmittedThrough+1]; ok {
		st.OldestIssuedAt = head.IssuedAt
	}
	return st, nil
}
