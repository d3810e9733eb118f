package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Door implements entry.Store: joins per address and minute, and access codes.
type Door struct{ *db }

// forgetExpired deletes, at most once a minute per instance, spent proofs whose challenge has
// expired and quota windows past, in the background: nobody's join waits on it.
func (d *db) forgetExpired(ctx context.Context) {
	now := time.Now()
	last := d.forgotAt.Load()
	if now.Unix()-last < 60 || !d.forgotAt.CompareAndSwap(last, now.Unix()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		for {
			n, err := d.q.ProofsForget(ctx, now)
			if err != nil || n < 10_000 {
				break
			}
		}
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

// ReturnQuota implements entry.Store.
func (d *Door) ReturnQuota(ctx context.Context, sale core.SaleID, address string, window time.Time) error {
	return d.q.QuotaReturn(ctx, sqlcdb.QuotaReturnParams{WindowFrom: window, SaleID: string(sale), Address: address})
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

// IssueTokenWithPass implements queue.Store. Outside a presale it joins the batched issues,
// which spend the batch's solutions in their transaction. In a presale it is a transaction of
// its own: the solution spent first; then, under a savepoint, the code's row lock (racing
// redemptions of one code go one at a time) and the issue, which returns a live token (nothing
// redeemed) or a new one that the code must let in. A refused code rolls back to the savepoint,
// so nothing is issued or redeemed, and the solution stays spent.
func (s *Tokens) IssueTokenWithPass(ctx context.Context, sale core.SaleID, user core.UserID, pass entry.Pass, now time.Time) (queue.Token, error) {
	if pass.Proof != nil {
		s.forgetExpired(ctx)
	}
	if !pass.Presale {
		return s.issues.do(ctx, issueArgs{sale: sale, user: user, now: now, proof: pass.Proof})
	}
	var tok queue.Token
	var refused error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if pass.Proof != nil {
			fresh, err := spend(ctx, s.q.WithTx(tx), []entry.Solution{*pass.Proof})
			if err != nil {
				return err
			}
			if !fresh[pass.Proof.Challenge] {
				refused = entry.ErrSpent
				return nil
			}
		}
		err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			var err error
			tok, err = redeemAndIssue(ctx, s.q.WithTx(sp), sale, user, pass.Code, now)
			return err
		})
		var code *entry.CodeError
		if errors.As(err, &code) {
			refused = err
			return nil // the savepoint is rolled back; the spent solution commits
		}
		return err
	})
	if refused != nil {
		return queue.Token{}, refused
	}
	return tok, err
}

// redeemAndIssue issues the user's token with one use of code, or returns their live token.
func redeemAndIssue(ctx context.Context, q *sqlcdb.Queries, sale core.SaleID, user core.UserID, code string, now time.Time) (queue.Token, error) {
	row, lockErr := q.CodeLock(ctx, code)
	if lockErr != nil && !errors.Is(lockErr, pgx.ErrNoRows) {
		return queue.Token{}, lockErr
	}
	id := core.NewID()
	rows, err := q.TokenIssueBatch(ctx, sqlcdb.TokenIssueBatchParams{SaleIds: []string{string(sale)}, Ids: []string{string(id)},
		UserIds: []string{string(user)}, IssuedAt: []time.Time{now}, Now: now})
	if err != nil {
		return queue.Token{}, err
	}
	if len(rows) != 1 {
		return queue.Token{}, errors.New("issue token with an access code: no live token after the issue")
	}
	tok, err := tokenFromRow(rows[0])
	if err != nil || tok.ID != id {
		return tok, err // a live token: nothing to redeem
	}
	switch {
	case code == "":
		return queue.Token{}, entry.ErrNoCode
	case lockErr != nil:
		return queue.Token{}, entry.ErrUnknownCode
	}
	if err := codeFromRow(row).Redeemable(sale, now); err != nil {
		return queue.Token{}, err
	}
	return tok, q.CodeRedeem(ctx, code)
}
