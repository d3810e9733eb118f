package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
)

// IssueToken implements core.TokenStore.
func (s *Store) IssueToken(ctx context.Context, user core.UserID, now time.Time) (core.QueueToken, error) {
	// A few rounds at most: each empty answer means a concurrent call for this user just
	// inserted, and the next round finds its token.
	for range 5 {
		rows, err := s.q.TokenIssue(ctx, sqlcdb.TokenIssueParams{ID: string(core.NewID()), UserID: string(user), IssuedAt: now})
		if err != nil {
			return core.QueueToken{}, err
		}
		if len(rows) == 0 {
			continue
		}
		tok, err := tokenFromRow(sqlcdb.QueueToken(rows[0]))
		if err != nil || tok.Live(now) {
			return tok, err
		}
		// The live token is an active one whose session has ended but not been swept yet.
		if err := s.q.TokenExpireEndedSession(ctx, sqlcdb.TokenExpireEndedSessionParams{UserID: string(user), Now: now}); err != nil {
			return core.QueueToken{}, err
		}
	}
	return core.QueueToken{}, fmt.Errorf("issue token for %q: gave up after repeated concurrent issues", user)
}

// Token implements core.TokenStore.
func (s *Store) Token(ctx context.Context, id core.ID) (core.QueueToken, error) {
	row, err := s.q.TokenByID(ctx, string(id))
	if err != nil {
		return core.QueueToken{}, notFound(err, core.ErrTokenUnknown)
	}
	return tokenFromRow(row)
}

// WaitingAhead implements core.TokenStore.
func (s *Store) WaitingAhead(ctx context.Context, seq int64) (int64, error) {
	return s.q.TokenCountWaitingAhead(ctx, seq)
}

// Admit implements core.TokenStore.
func (s *Store) Admit(ctx context.Context, batch, maxActive int, session time.Duration, now time.Time) (core.AdmissionResult, error) {
	var res core.AdmissionResult
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		expired, err := q.TokenExpireEndedSessions(ctx, now)
		if err != nil {
			return err
		}
		admitted, err := q.TokenAdmitBatch(ctx, sqlcdb.TokenAdmitBatchParams{
			Now: now, ExpiresAt: now.Add(session), Batch: int32(batch), MaxActive: int32(maxActive),
		})
		res = core.AdmissionResult{Expired: int(expired), Admitted: int(admitted)}
		return err
	})
	return res, err
}

// QueueStats implements core.TokenStore.
func (s *Store) QueueStats(ctx context.Context) (core.QueueStats, error) {
	row, err := s.q.TokenStats(ctx)
	return core.QueueStats{Waiting: row.Waiting, Active: row.Active}, err
}

func tokenFromRow(r sqlcdb.QueueToken) (core.QueueToken, error) {
	state, err := core.ParseTokenState(r.State)
	if err != nil {
		return core.QueueToken{}, err
	}
	t := core.QueueToken{ID: core.ID(r.ID), UserID: core.UserID(r.UserID), Seq: r.Seq, State: state, IssuedAt: r.IssuedAt.UTC()}
	if r.AdmittedAt != nil {
		t.AdmittedAt = r.AdmittedAt.UTC()
	}
	if r.ExpiresAt != nil {
		t.ExpiresAt = r.ExpiresAt.UTC()
	}
	return t, nil
}
