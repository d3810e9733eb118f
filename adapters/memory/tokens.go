package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// IssueToken implements core.TokenStore.
func (s *Store) IssueToken(_ context.Context, user core.UserID, now time.Time) (core.QueueToken, error) {
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
	t := &core.QueueToken{
		ID: core.NewID(), UserID: user, Seq: q.LastSeq, State: core.TokenWaiting, IssuedAt: now,
		Early: !q.OpensAt.IsZero() && !q.Closed,
	}
	s.tokens[t.ID] = t
	s.bySeq[t.Seq] = t
	s.lastSeen[t.ID] = now
	s.liveByUser[user] = t.ID
	return *t, nil
}

// Token implements core.TokenStore.
func (s *Store) Token(_ context.Context, id core.ID) (core.QueueToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return core.QueueToken{}, core.ErrTokenUnknown
	}
	return *t, nil
}

// Queue implements core.TokenStore.
func (s *Store) Queue(context.Context) (core.Queue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue, nil
}

// MarkSeen implements core.TokenStore; the memory store writes at once.
func (s *Store) MarkSeen(_ context.Context, id core.ID, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[id]; ok && t.State == core.TokenWaiting && now.After(s.lastSeen[id]) {
		s.lastSeen[id] = now
	}
	return nil
}

// Admit implements core.TokenStore.
func (s *Store) Admit(_ context.Context, r core.AdmitRound) (core.AdmissionResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res core.AdmissionResult
	active := 0
	for _, t := range s.tokens {
		if t.State != core.TokenActive {
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
		room := max(0, min(r.Batch, r.MaxActive-active))
	round:
		for seq := q.AdmittedThrough + 1; seq <= q.LastSeq; seq++ {
			switch t := s.bySeq[seq]; {
			case s.lastSeen[t.ID].Before(r.AbandonedBefore):
				s.expire(t)
				res.Abandoned++
			case res.Admitted < room:
				t.State, t.AdmittedAt, t.ExpiresAt = core.TokenActive, r.Now, r.Now.Add(r.Session)
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

// draw gives the early tokens their places by core.DrawOrder.
func (s *Store) draw() int {
	n := s.queue.EarlyThrough
	places := core.DrawOrder(n, s.queue.DrawSeed)
	early := make([]*core.QueueToken, n)
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

// RecordAdmission implements core.TokenStore.
func (s *Store) RecordAdmission(_ context.Context, m core.AdmissionMeasure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue.AdmitRate, s.queue.RateAt = m.AdmitRate, m.At
	if m.Moved {
		s.queue.MovedAt = m.At
	}
	s.recordSettings(m.Settings)
	return nil
}

// RecordSettings implements core.TokenStore.
func (s *Store) RecordSettings(_ context.Context, settings core.AdmissionSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordSettings(settings)
	return nil
}

func (s *Store) recordSettings(settings core.AdmissionSettings) {
	if settings.Revision >= s.queue.Settings.Revision {
		s.queue.Settings = settings
	}
}

// ScheduleOpening implements core.TokenStore.
func (s *Store) ScheduleOpening(_ context.Context, at time.Time, seed int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &s.queue
	if q.Closed || q.AdmittedThrough > 0 || (q.OpensAt.IsZero() && q.LastSeq > 0) {
		return core.ErrQueueOpen
	}
	q.OpensAt, q.DrawSeed = at, seed
	return nil
}

// QueueStats implements core.TokenStore.
func (s *Store) QueueStats(context.Context) (core.QueueStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := core.QueueStats{Queue: s.queue}
	for _, t := range s.tokens {
		if t.State == core.TokenActive {
			st.Active++
		}
	}
	if head, ok := s.bySeq[s.queue.AdmittedThrough+1]; ok {
		st.OldestIssuedAt = head.IssuedAt
	}
	return st, nil
}
