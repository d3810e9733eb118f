package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
)

// queueName is the one queue of this version; the queues table is ready for more.
const queueName = "main"

// admitLookahead bounds how many abandoned tokens past the batch one admission round clears.
const admitLookahead = 2000

// IssueToken implements core.TokenStore. Concurrent issues share one transaction per batch
// (issue_batch.go).
func (s *Store) IssueToken(ctx context.Context, user core.UserID, now time.Time) (core.QueueToken, error) {
	return s.issues.issue(ctx, user, now)
}

// issueBatch issues a batch in one transaction under the queue lock: it closes the pre-queue
// if the opening has come, ends sessions that ran out for these users, then inserts a token
// for each user without a live one, numbered on from the queue's last number in request order.
func (s *Store) issueBatch(ctx context.Context, reqs []*issueRequest) error {
	byUser := map[core.UserID]int{} // index of each distinct user in the arrays
	var ids, users []string
	var times []time.Time
	latest := reqs[0].now
	for _, r := range reqs {
		if _, dup := byUser[r.user]; !dup {
			byUser[r.user] = len(users)
			ids, users, times = append(ids, string(core.NewID())), append(users, string(r.user)), append(times, r.now)
		}
		latest = later(latest, r.now)
	}
	live := map[string]core.QueueToken{}
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		queue, err := q.QueueLock(ctx, queueName)
		if err != nil {
			return fmt.Errorf("lock queue: %w", err)
		}
		if queue.OpensAt != nil && queue.EarlyThrough == nil && !latest.Before(*queue.OpensAt) {
			if err := q.QueueClosePreQueue(ctx, queueName); err != nil {
				return err
			}
			queue.EarlyThrough = &queue.LastSeq
		}
		if err := q.TokenExpireEndedSessionsOf(ctx, sqlcdb.TokenExpireEndedSessionsOfParams{UserIds: users, Now: latest}); err != nil {
			return err
		}
		rows, err := q.TokenIssueBatch(ctx, sqlcdb.TokenIssueBatchParams{
			Ids: ids, UserIds: users, IssuedAt: times, AfterSeq: queue.LastSeq,
			Early: queue.OpensAt != nil && queue.EarlyThrough == nil,
		})
		if err != nil {
			return err
		}
		fresh := int64(0)
		for _, row := range rows {
			tok, err := tokenFromRow(sqlcdb.QueueToken{ID: row.ID, UserID: row.UserID, Seq: row.Seq, State: row.State,
				IssuedAt: row.IssuedAt, AdmittedAt: row.AdmittedAt, ExpiresAt: row.ExpiresAt, Early: row.Early})
			if err != nil {
				return err
			}
			live[row.UserID] = tok
			if row.Fresh {
				fresh++
			}
		}
		if fresh == 0 {
			return nil
		}
		return q.QueueAdvance(ctx, sqlcdb.QueueAdvanceParams{Name: queueName, LastSeq: queue.LastSeq + fresh})
	})
	if err != nil {
		return err
	}
	for _, r := range reqs {
		tok, ok := live[string(r.user)]
		if !ok {
			r.done <- issueResult{err: fmt.Errorf("issue token for %q: no live token after the batch", r.user)}
			continue
		}
		r.done <- issueResult{tok: tok}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Token implements core.TokenStore.
func (s *Store) Token(ctx context.Context, id core.ID) (core.QueueToken, error) {
	row, err := s.q.TokenByID(ctx, string(id))
	if err != nil {
		return core.QueueToken{}, notFound(err, core.ErrTokenUnknown)
	}
	return tokenFromRow(sqlcdb.QueueToken{ID: row.ID, UserID: row.UserID, Seq: row.Seq, State: row.State,
		IssuedAt: row.IssuedAt, AdmittedAt: row.AdmittedAt, ExpiresAt: row.ExpiresAt, Early: row.Early})
}

// Queue implements core.TokenStore.
func (s *Store) Queue(ctx context.Context) (core.Queue, error) {
	row, err := s.q.QueueRead(ctx, queueName)
	if err != nil {
		return core.Queue{}, err
	}
	return queueFromRow(row), nil
}

// MarkSeen implements core.TokenStore: the time is written coalesced (seen.go).
func (s *Store) MarkSeen(_ context.Context, id core.ID, now time.Time) error {
	s.seen.mark(id, now)
	return nil
}

// FlushSeen writes the pending last-seen times now; tests and shutdown use it.
func (s *Store) FlushSeen(ctx context.Context) error {
	_, err := s.seen.flush(ctx)
	return err
}

func (s *Store) writeSeen(ctx context.Context, ids []string, at []time.Time) error {
	return s.q.TokenMarkSeen(ctx, sqlcdb.TokenMarkSeenParams{Ids: ids, SeenAt: at})
}

// Admit implements core.TokenStore.
func (s *Store) Admit(ctx context.Context, r core.AdmitRound) (core.AdmissionResult, error) {
	var res core.AdmissionResult
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		res = core.AdmissionResult{}
		queue, err := q.QueueLock(ctx, queueName)
		if err != nil {
			return fmt.Errorf("lock queue: %w", err)
		}
		expired, err := q.TokenExpireEndedSessions(ctx, r.Now)
		if err != nil {
			return err
		}
		res.Expired = int(expired)
		qv := queueFromRow(queue)
		if !qv.Open(r.Now) {
			res.Waiting = qv.Waiting()
			return nil
		}
		if !qv.OpensAt.IsZero() && !qv.Drawn {
			if res.Drawn, err = s.draw(ctx, q, queue, r.Now); err != nil {
				return fmt.Errorf("opening draw: %w", err)
			}
		}
		row, err := q.TokenAdmitNext(ctx, sqlcdb.TokenAdmitNextParams{
			Name: queueName, Batch: int32(r.Batch), MaxActive: int32(r.MaxActive), Lookahead: admitLookahead,
			AbandonedBefore: r.AbandonedBefore, Now: r.Now, ExpiresAt: r.Now.Add(r.Session),
		})
		if err != nil {
			return err
		}
		res.Admitted, res.Abandoned, res.Waiting = int(row.Admitted), int(row.Abandoned), row.Waiting
		return nil
	})
	return res, err
}

// draw closes the pre-queue if need be and gives the early tokens their drawn places.
func (s *Store) draw(ctx context.Context, q *sqlcdb.Queries, queue sqlcdb.Queue, now time.Time) (int, error) {
	if queue.EarlyThrough == nil {
		if err := q.QueueClosePreQueue(ctx, queueName); err != nil {
			return 0, err
		}
		queue.EarlyThrough = &queue.LastSeq
	}
	n := *queue.EarlyThrough
	if n > 0 {
		if err := q.TokenDraw(ctx, core.DrawOrder(n, *queue.DrawSeed)); err != nil {
			return 0, err
		}
		if err := q.TokenDrawSettle(ctx); err != nil {
			return 0, err
		}
	}
	return int(n), q.QueueMarkDrawn(ctx, sqlcdb.QueueMarkDrawnParams{Name: queueName, Now: now})
}

// RecordAdmissionRate implements core.TokenStore.
func (s *Store) RecordAdmissionRate(ctx context.Context, perSecond float64, now time.Time) error {
	return s.q.QueueRecordRate(ctx, sqlcdb.QueueRecordRateParams{Name: queueName, AdmitRate: perSecond, RateAt: now})
}

// ScheduleOpening implements core.TokenStore.
func (s *Store) ScheduleOpening(ctx context.Context, at time.Time, seed int64) error {
	n, err := s.q.QueueScheduleOpening(ctx, sqlcdb.QueueScheduleOpeningParams{Name: queueName, OpensAt: at, DrawSeed: seed})
	if err == nil && n == 0 {
		return core.ErrQueueOpen
	}
	return err
}

// QueueStats implements core.TokenStore.
func (s *Store) QueueStats(ctx context.Context) (core.QueueStats, error) {
	row, err := s.q.QueueStats(ctx, queueName)
	if err != nil {
		return core.QueueStats{}, err
	}
	q := queueFromRow(sqlcdb.Queue{Name: row.Name, LastSeq: row.LastSeq, AdmittedThrough: row.AdmittedThrough,
		OpensAt: row.OpensAt, DrawSeed: row.DrawSeed, EarlyThrough: row.EarlyThrough, DrawnAt: row.DrawnAt,
		AdmitRate: row.AdmitRate, RateAt: row.RateAt, AdmittedTotal: row.AdmittedTotal, AbandonedTotal: row.AbandonedTotal})
	st := core.QueueStats{Queue: q, Waiting: q.Waiting(), Active: row.Active}
	if row.OldestIssuedAt != nil {
		st.OldestIssuedAt = row.OldestIssuedAt.UTC()
	}
	return st, nil
}

func queueFromRow(r sqlcdb.Queue) core.Queue {
	q := core.Queue{LastSeq: r.LastSeq, AdmittedThrough: r.AdmittedThrough, AdmitRate: r.AdmitRate,
		AdmittedTotal: r.AdmittedTotal, AbandonedTotal: r.AbandonedTotal, Drawn: r.DrawnAt != nil}
	if r.OpensAt != nil {
		q.OpensAt = r.OpensAt.UTC()
	}
	if r.DrawSeed != nil {
		q.DrawSeed = *r.DrawSeed
	}
	if r.EarlyThrough != nil {
		q.EarlyThrough, q.Closed = *r.EarlyThrough, true
	}
	if r.RateAt != nil {
		q.RateAt = r.RateAt.UTC()
	}
	return q
}

func tokenFromRow(r sqlcdb.QueueToken) (core.QueueToken, error) {
	state, err := core.ParseTokenState(r.State)
	if err != nil {
		return core.QueueToken{}, err
	}
	t := core.QueueToken{ID: core.ID(r.ID), UserID: core.UserID(r.UserID), Seq: r.Seq, State: state, IssuedAt: r.IssuedAt.UTC(), Early: r.Early}
	if r.AdmittedAt != nil {
		t.AdmittedAt = r.AdmittedAt.UTC()
	}
	if r.ExpiresAt != nil {
		t.ExpiresAt = r.ExpiresAt.UTC()
	}
	return t, nil
}
