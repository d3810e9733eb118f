package postgres

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// admitLookahead bounds how many abandoned tokens past the batch one admission round clears.
const admitLookahead = 2000

// IssueToken implements queue.Store. Concurrent issues, of any sales, share one transaction per
// batch (issue_batch.go).
func (s *Tokens) IssueToken(ctx context.Context, sale core.SaleID, user core.UserID, now time.Time) (queue.Token, error) {
	return s.issues.do(ctx, issueArgs{sale: sale, user: user, now: now})
}

// issueBatch issues a batch of requests of any sales in one statement (the issue_token_batch
// function): one round trip and one commit, whatever the number of sales. A batch where joins
// carry proofs of work spends them in the same statement: the door adds rows to the batch's
// statement, not a statement or a commit.
func (s *Tokens) issueBatch(ctx context.Context, reqs []*issueRequest) error {
	spending := slices.ContainsFunc(reqs, func(r *issueRequest) bool { return r.in.proof != nil })
	p, err := issueColumns(reqs, spending)
	if err != nil {
		return err
	}
	var rows []sqlcdb.QueueToken
	missing := noLiveToken
	if spending {
		rows, err = s.q.TokenIssueBatchSpending(ctx, p)
		missing = spentOrNoLiveToken
	} else {
		rows, err = s.q.TokenIssueBatch(ctx, withoutSolutions(p))
	}
	if err != nil {
		return err
	}
	out, err := answerIssues(reqs, rows, missing)
	if err != nil {
		return err
	}
	out.send() // a failed batch is answered by the batcher, once
	return nil
}

// answers are a batch's results, sent once its statement succeeded.
type answers []func()

func (a answers) send() {
	for _, f := range a {
		f()
	}
}

// issueFan is a fan of a sale: issue_token_batch returns one live token each.
type issueFan struct {
	sale core.SaleID
	user core.UserID
}

// issueColumns are the statement's arrays for a batch, with the solutions' two columns when
// spending. Each fan and each solution goes to the statement once, with the first request
// that carries it: a fan's other requests get the first one's answer, and a request whose
// solution an earlier one carried gets its fan's token if another request let the fan in, and
// entry.ErrSpent otherwise, as does a request whose solution was spent before. (So a fan whose
// first join replays a spent solution and whose second, in the same batch, carries a new one is
// refused, and the new one stays unspent for their next try: only a replay costs this, and the
// statement needs no windows to sort the batch's fans.)
func issueColumns(reqs []*issueRequest, spending bool) (sqlcdb.TokenIssueBatchSpendingParams, error) {
	fans, solutions := map[issueFan]bool{}, map[string]bool{}
	p := sqlcdb.TokenIssueBatchSpendingParams{Now: reqs[0].in.now}
	for _, r := range reqs {
		p.Now = later(p.Now, r.in.now)
		fan := issueFan{r.in.sale, r.in.user}
		if fans[fan] || (r.in.proof != nil && solutions[r.in.proof.Challenge]) {
			continue
		}
		fans[fan] = true
		p.SaleIds, p.Ids = append(p.SaleIds, string(r.in.sale)), append(p.Ids, string(core.NewID()))
		p.UserIds, p.IssuedAt = append(p.UserIds, string(r.in.user)), append(p.IssuedAt, r.in.now)
		if !spending {
			continue
		}
		var challenge []byte
		var expires time.Time
		if r.in.proof != nil {
			raw, err := hex.DecodeString(r.in.proof.Challenge)
			if err != nil {
				return p, fmt.Errorf("spend solution %q: %w", r.in.proof.Challenge, err)
			}
			solutions[r.in.proof.Challenge] = true
			challenge, expires = raw, r.in.proof.Expires
		}
		p.Challenges, p.ExpiresAt = append(p.Challenges, challenge), append(p.ExpiresAt, expires)
	}
	return p, nil
}

// withoutSolutions is a batch's columns for the statement that spends nothing.
func withoutSolutions(p sqlcdb.TokenIssueBatchSpendingParams) sqlcdb.TokenIssueBatchParams {
	return sqlcdb.TokenIssueBatchParams{SaleIds: p.SaleIds, Ids: p.Ids, UserIds: p.UserIds, IssuedAt: p.IssuedAt, Now: p.Now}
}

// spentOrNoLiveToken answers a request a spending batch returned no token for: its solution
// was spent, or, carrying none, it should have had one.
func spentOrNoLiveToken(r *issueRequest) error {
	if r.in.proof != nil {
		return entry.ErrSpent
	}
	return noLiveToken(r)
}

// noLiveToken answers a request the batch returned no token for, which it always should.
func noLiveToken(r *issueRequest) error {
	return fmt.Errorf("issue token for %q in %s: no live token after the batch", r.in.user, r.in.sale)
}

// answerIssues answers each request with its fan's live token among rows, or with missing's error.
func answerIssues(reqs []*issueRequest, rows []sqlcdb.QueueToken, missing func(*issueRequest) error) (answers, error) {
	live, err := tokensByFan(rows)
	if err != nil {
		return nil, err
	}
	out := make(answers, len(reqs))
	for i, r := range reqs {
		tok, ok := live[issueFan{r.in.sale, r.in.user}]
		if !ok {
			err := missing(r)
			out[i] = func() { r.answer(queue.Token{}, err) }
			continue
		}
		out[i] = func() { r.answer(tok, nil) }
	}
	return out, nil
}

// tokensByFan indexes tokens, one live token a fan, by their sale and fan.
func tokensByFan(rows []sqlcdb.QueueToken) (map[issueFan]queue.Token, error) {
	live := make(map[issueFan]queue.Token, len(rows))
	for _, row := range rows {
		tok, err := tokenFromRow(row)
		if err != nil {
			return nil, err
		}
		live[issueFan{tok.SaleID, tok.UserID}] = tok
	}
	return live, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Token implements queue.Store.
func (s *Tokens) Token(ctx context.Context, id core.ID) (queue.Token, error) {
	row, err := s.q.TokenByID(ctx, string(id))
	if err != nil {
		return queue.Token{}, notFound(err, queue.ErrTokenUnknown)
	}
	return tokenFromRow(row)
}

// Queue implements queue.Store; a queue not used yet reads as empty.
func (s *Tokens) Queue(ctx context.Context, sale core.SaleID) (queue.Queue, error) {
	row, err := s.q.QueueRead(ctx, string(sale))
	if noRows(err) {
		return queue.Queue{}, nil
	}
	if err != nil {
		return queue.Queue{}, err
	}
	q := queueFromRow(row.Queue)
	q.Left = row.LeftSeqs
	return q, nil
}

// Leave implements queue.Store.
func (s *Tokens) Leave(ctx context.Context, id core.ID, now time.Time) (queue.Token, error) {
	_, err := s.q.TokenLeave(ctx, sqlcdb.TokenLeaveParams{ID: string(id), Now: now})
	if err != nil && !noRows(err) {
		return queue.Token{}, err
	}
	tok, readErr := s.Token(ctx, id)
	switch {
	case readErr != nil:
		return queue.Token{}, readErr
	case err != nil: // nothing left: the token was not live
		return queue.Token{}, queue.ErrTokenExpired
	}
	return tok, nil
}

// MarkSeen implements queue.Store: the time is written coalesced (seen.go).
func (s *Tokens) MarkSeen(_ context.Context, id core.ID, now time.Time) error {
	s.seen.mark(id, now)
	return nil
}

// FlushSeen writes the pending last-seen times now, as the contract suite needs before it
// checks what admission makes of them; Close does it at shutdown.
func (s *Tokens) FlushSeen(ctx context.Context) error {
	_, err := s.seen.flush(ctx)
	return err
}

func (s *Tokens) writeSeen(ctx context.Context, ids []string, at []time.Time) error {
	return s.q.TokenMarkSeen(ctx, sqlcdb.TokenMarkSeenParams{Ids: ids, SeenAt: at})
}

// Admit implements queue.Store. A round is one call of admit_next, which holds the sale's
// admission lock for no client round trip; only the round that opens the queue draws first, in
// the same transaction, under the admission lock and then the queue lock.
func (s *Tokens) Admit(ctx context.Context, sale core.SaleID, r queue.Round) (queue.Result, error) {
	q, err := s.Queue(ctx, sale)
	if err != nil {
		return queue.Result{}, err
	}
	if q.OpensAt.IsZero() || q.Drawn || !q.Open(r.Now) {
		return admitNext(ctx, s.q, sale, r)
	}
	var res queue.Result
	err = s.inTx(ctx, func(tx *sqlcdb.Queries) error {
		if err := tx.AdmissionLock(ctx, string(sale)); err != nil {
			return fmt.Errorf("lock admission: %w", err)
		}
		row, err := tx.QueueLock(ctx, string(sale))
		if err != nil {
			return fmt.Errorf("lock queue: %w", err)
		}
		drawn := 0
		if row.DrawnAt == nil { // not drawn by a round that ran meanwhile
			if drawn, err = s.draw(ctx, tx, row, r.Now); err != nil {
				return fmt.Errorf("opening draw: %w", err)
			}
		}
		res, err = admitNext(ctx, tx, sale, r)
		res.Drawn = drawn
		return err
	})
	return res, err
}

func admitNext(ctx context.Context, q *sqlcdb.Queries, sale core.SaleID, r queue.Round) (queue.Result, error) {
	row, err := q.TokenAdmitNext(ctx, sqlcdb.TokenAdmitNextParams{
		SaleID: string(sale), Batch: int32(r.Batch), MaxActive: int32(r.MaxActive), Lookahead: admitLookahead,
		AbandonedBefore: r.AbandonedBefore, Now: r.Now, ExpiresAt: r.Now.Add(r.Session),
	})
	if err != nil {
		return queue.Result{}, err
	}
	return queue.Result{Expired: int(row.Expired), Admitted: int(row.Admitted), Abandoned: int(row.Abandoned), Waiting: row.Waiting}, nil
}

// draw closes the pre-queue if need be and gives the early tokens their drawn places; the
// caller holds the queue lock.
func (s *Tokens) draw(ctx context.Context, q *sqlcdb.Queries, row sqlcdb.Queue, now time.Time) (int, error) {
	if row.EarlyThrough == nil {
		if err := q.QueueClosePreQueue(ctx, row.SaleID); err != nil {
			return 0, err
		}
		row.EarlyThrough = &row.LastSeq
	}
	n := *row.EarlyThrough
	if n > 0 {
		if err := q.TokenDraw(ctx, sqlcdb.TokenDrawParams{SaleID: row.SaleID, Places: queue.DrawOrder(n, *row.DrawSeed)}); err != nil {
			return 0, err
		}
		if err := q.TokenDrawSettle(ctx, row.SaleID); err != nil {
			return 0, err
		}
	}
	return int(n), q.QueueMarkDrawn(ctx, sqlcdb.QueueMarkDrawnParams{SaleID: row.SaleID, Now: now})
}

// RecordAdmission implements queue.Store.
func (s *Tokens) RecordAdmission(ctx context.Context, sale core.SaleID, m queue.Measure) error {
	if err := s.q.QueueEnsure(ctx, string(sale)); err != nil {
		return err
	}
	return s.q.QueueRecordAdmission(ctx, sqlcdb.QueueRecordAdmissionParams{
		SaleID: string(sale), AdmitRate: m.AdmitRate, RateAt: m.At, Moved: m.Moved, Revision: m.Settings.Revision,
		SettingsAdmitRate: int32(m.Settings.AdmitRate), SettingsMaxActive: int32(m.Settings.MaxActive),
		SettingsTickMs: int32(m.Settings.Tick.Milliseconds()), SettingsSessionMs: m.Settings.SessionTTL.Milliseconds(),
	})
}

// RecordSettings implements queue.Store.
func (s *Tokens) RecordSettings(ctx context.Context, sale core.SaleID, set queue.Settings) error {
	return s.q.QueueRecordSettings(ctx, sqlcdb.QueueRecordSettingsParams{
		SaleID: string(sale), Revision: set.Revision, SettingsAdmitRate: int32(set.AdmitRate),
		SettingsMaxActive: int32(set.MaxActive), SettingsTickMs: int32(set.Tick.Milliseconds()), SettingsSessionMs: set.SessionTTL.Milliseconds(),
	})
}

// ScheduleOpening implements queue.Store.
func (s *Tokens) ScheduleOpening(ctx context.Context, sale core.SaleID, at time.Time, seed int64) error {
	if err := s.q.QueueEnsure(ctx, string(sale)); err != nil {
		return err
	}
	n, err := s.q.QueueScheduleOpening(ctx, sqlcdb.QueueScheduleOpeningParams{SaleID: string(sale), OpensAt: at, DrawSeed: seed})
	if err == nil && n == 0 {
		return queue.ErrQueueOpen
	}
	return err
}

// QueueStats implements queue.Store; a queue not used yet reads as empty.
func (s *Tokens) QueueStats(ctx context.Context, sale core.SaleID) (queue.Stats, error) {
	row, err := s.q.QueueStats(ctx, string(sale))
	if noRows(err) {
		return queue.Stats{}, nil
	}
	if err != nil {
		return queue.Stats{}, err
	}
	q := queueFromRow(row.Queue)
	q.Left = row.LeftSeqs
	st := queue.Stats{Queue: q, Active: row.Active}
	if row.OldestIssuedAt != nil {
		st.OldestIssuedAt = row.OldestIssuedAt.UTC()
	}
	return st, nil
}

func queueFromRow(r sqlcdb.Queue) queue.Queue {
	q := queue.Queue{LastSeq: r.LastSeq, AdmittedThrough: r.AdmittedThrough, AdmitRate: r.AdmitRate,
		AdmittedTotal: r.AdmittedTotal, AbandonedTotal: r.AbandonedTotal, Drawn: r.DrawnAt != nil, Asleep: r.Asleep}
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
	if r.MovedAt != nil {
		q.MovedAt = r.MovedAt.UTC()
	}
	q.Settings = queue.Settings{AdmitRate: int(r.SettingsAdmitRate), MaxActive: int(r.SettingsMaxActive),
		Tick: time.Duration(r.SettingsTickMs) * time.Millisecond, SessionTTL: time.Duration(r.SettingsSessionMs) * time.Millisecond,
		Revision: r.SettingsRevision}
	return q
}

func tokenFromRow(r sqlcdb.QueueToken) (queue.Token, error) {
	state, err := queue.ParseTokenState(r.State)
	if err != nil {
		return queue.Token{}, err
	}
	t := queue.Token{ID: core.ID(r.ID), UserID: core.UserID(r.UserID), SaleID: core.SaleID(r.SaleID), Seq: r.Seq, State: state, IssuedAt: r.IssuedAt.UTC(), Early: r.Early}
	if r.AdmittedAt != nil {
		t.AdmittedAt = r.AdmittedAt.UTC()
	}
	if r.ExpiresAt != nil {
		t.ExpiresAt = r.ExpiresAt.UTC()
	}
	return t, nil
}

// LiveToken implements queue.Store.
func (s *Tokens) LiveToken(ctx context.Context, sale core.SaleID, user core.UserID, now time.Time) (queue.Token, error) {
	row, err := s.q.TokenLive(ctx, sqlcdb.TokenLiveParams{SaleID: string(sale), UserID: string(user), Now: now})
	if err != nil {
		return queue.Token{}, notFound(err, queue.ErrTokenUnknown)
	}
	return tokenFromRow(row)
}
