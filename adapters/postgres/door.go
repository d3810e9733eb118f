package postgres

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Door implements entry.Store: spent proofs of work, joins per address and minute, access codes.
type Door struct {
	*db
	forgotAt atomic.Int64 // unix seconds of this instance's last sweep of expired rows
}

// spendArgs are a proof's spending: its challenge and its expiry.
type spendArgs struct {
	challenge string
	expires   time.Time
}

// SpendProof implements entry.Store. Concurrent spends share one statement per batch, as token
// issues do, so a rush with proofs on costs one more commit a batch, not one a join.
func (d *Door) SpendProof(ctx context.Context, challenge string, expires time.Time) (bool, error) {
	d.forgetExpired(ctx)
	return d.spends.do(ctx, spendArgs{challenge, expires})
}

// spendBatch spends a batch of proofs in one statement; a challenge twice in the batch is spent
// by its first request only.
func (d *Door) spendBatch(ctx context.Context, reqs []*batched[spendArgs, bool]) error {
	p := sqlcdb.ProofsSpendParams{}
	first := map[string]*batched[spendArgs, bool]{}
	for _, r := range reqs {
		if first[r.in.challenge] == nil {
			first[r.in.challenge] = r
			p.Challenges, p.ExpiresAt = append(p.Challenges, r.in.challenge), append(p.ExpiresAt, r.in.expires)
		}
	}
	spent, err := d.q.ProofsSpend(ctx, p)
	if err != nil {
		return err
	}
	fresh := make(map[string]bool, len(spent))
	for _, c := range spent {
		fresh[c] = true
	}
	for _, r := range reqs {
		r.answer(fresh[r.in.challenge] && first[r.in.challenge] == r, nil)
	}
	return nil
}

// forgetExpired deletes, at most once a minute per instance, spent proofs whose challenge has
// expired and quota windows past, in the background: nobody's join waits on it.
func (d *Door) forgetExpired(ctx context.Context) {
	now := time.Now()
	last := d.forgotAt.Load()
	if now.Unix()-last < 60 || !d.forgotAt.CompareAndSwap(last, now.Unix()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		_ = d.q.ProofsForget(ctx, now)
		_ = d.q.QuotasForget(ctx, now.Add(-2*time.Minute))
	}()
}

// TakeQuota implements entry.Store.
func (d *Door) TakeQuota(ctx context.Context, sale core.SaleID, address string, window time.Time, limit int) (bool, error) {
	d.forgetExpired(ctx)
	_, err := d.q.QuotaTake(ctx, sqlcdb.QuotaTakeParams{SaleID: string(sale), Address: address, WindowFrom: window, MaxJoins: int32(limit)})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// AddCodes implements entry.Store: one statement for the codes of one request, which share
// their sale, expiry and creation.
func (d *Door) AddCodes(ctx context.Context, codes []entry.AccessCode) error {
	if len(codes) == 0 {
		return nil
	}
	p := sqlcdb.CodeInsertParams{SaleID: string(codes[0].SaleID), CreatedAt: codes[0].CreatedAt}
	if !codes[0].ExpiresAt.IsZero() {
		p.ExpiresAt = &codes[0].ExpiresAt
	}
	for _, c := range codes {
		if c.SaleID != codes[0].SaleID || !c.ExpiresAt.Equal(codes[0].ExpiresAt) {
			return errors.New("add codes: one call adds codes of one sale and expiry")
		}
		p.Codes, p.Uses = append(p.Codes, c.Code), append(p.Uses, int32(c.Uses))
	}
	return d.q.CodeInsert(ctx, p)
}

// Codes implements entry.Store.
func (d *Door) Codes(ctx context.Context, sale core.SaleID) ([]entry.AccessCode, error) {
	rows, err := d.q.CodesOfSale(ctx, string(sale))
	if err != nil {
		return nil, err
	}
	out := make([]entry.AccessCode, len(rows))
	for i, r := range rows {
		out[i] = codeFromRow(r)
	}
	return out, nil
}

func codeFromRow(r sqlcdb.AccessCode) entry.AccessCode {
	c := entry.AccessCode{Code: r.Code, SaleID: core.SaleID(r.SaleID), Uses: int(r.Uses), UsesLeft: int(r.UsesLeft), CreatedAt: r.CreatedAt.UTC()}
	if r.ExpiresAt != nil {
		c.ExpiresAt = r.ExpiresAt.UTC()
	}
	return c
}

// IssueTokenWithCode implements queue.Store in one transaction: the code's row lock puts racing
// redemptions of one code in line; the issue returns a live token (nothing redeemed) or a new
// one, which the code must let in, or the transaction rolls back and nothing is issued.
func (s *Tokens) IssueTokenWithCode(ctx context.Context, sale core.SaleID, user core.UserID, code string, now time.Time) (queue.Token, error) {
	var tok queue.Token
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		row, lockErr := q.CodeLock(ctx, code)
		if lockErr != nil && !errors.Is(lockErr, pgx.ErrNoRows) {
			return lockErr
		}
		id := core.NewID()
		rows, err := q.TokenIssueBatch(ctx, sqlcdb.TokenIssueBatchParams{SaleIds: []string{string(sale)}, Ids: []string{string(id)},
			UserIds: []string{string(user)}, IssuedAt: []time.Time{now}, Now: now})
		if err != nil {
			return err
		}
		if len(rows) != 1 {
			return errors.New("issue token with an access code: no live token after the issue")
		}
		if tok, err = tokenFromRow(rows[0]); err != nil || tok.ID != id {
			return err // a live token: nothing to redeem
		}
		switch {
		case code == "":
			return entry.ErrNoCode
		case lockErr != nil:
			return entry.ErrUnknownCode
		}
		if err := codeFromRow(row).Redeemable(sale, now); err != nil {
			return err
		}
		return q.CodeRedeem(ctx, code)
	})
	if err != nil {
		return queue.Token{}, err
	}
	return tok, nil
}
