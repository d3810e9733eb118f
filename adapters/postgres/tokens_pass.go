package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// IssueTokenWithPass implements queue.Store. Outside a presale it joins the batched issues,
// which spend the batch's solutions in their statement. In a presale it is a transaction of
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
			fresh, err := spendOne(ctx, s.q.WithTx(tx), *pass.Proof)
			if err != nil {
				return err
			}
			if !fresh {
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

// redeemAndIssue issues the user's token with one use of code (none if they redeemed it
// before), or returns their live token, redeeming nothing. The code is checked under its row
// lock before the issue, so a refused one never takes the sale's queue lock: a script guessing
// codes does not hold the queue up.
func redeemAndIssue(ctx context.Context, q *sqlcdb.Queries, sale core.SaleID, user core.UserID, code string, now time.Time) (queue.Token, error) {
	refusal, returning := entry.ErrNoCode, false
	if code != "" {
		row, err := q.CodeLock(ctx, sqlcdb.CodeLockParams{Code: code, UserID: string(user)})
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			refusal = entry.ErrUnknownCode
		case err != nil:
			return queue.Token{}, err
		case row.Redeemed:
			refusal, returning = codeFromRow(row.AccessCode).Readmits(sale, now), true
		default:
			refusal = codeFromRow(row.AccessCode).Redeemable(sale, now)
		}
	}
	if refusal != nil { // unless the fan asks again for their live token, read without a lock
		row, err := q.TokenLive(ctx, sqlcdb.TokenLiveParams{SaleID: string(sale), UserID: string(user), Now: now})
		if err != nil {
			return queue.Token{}, notFound(err, refusal)
		}
		return tokenFromRow(row)
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
	if err != nil || tok.ID != id || returning {
		return tok, err // a live token, or a redeemer back: nothing to redeem
	}
	return tok, q.CodeRedeem(ctx, sqlcdb.CodeRedeemParams{Code: code, UserID: string(user)})
}

// spendOne spends a solution and reports whether it was not spent before.
func spendOne(ctx context.Context, q *sqlcdb.Queries, sol entry.Solution) (bool, error) {
	raw, err := hex.DecodeString(sol.Challenge)
	if err != nil {
		return false, fmt.Errorf("spend solution %q: %w", sol.Challenge, err)
	}
	n, err := q.ProofSpend(ctx, sqlcdb.ProofSpendParams{ExpiresAt: sol.Expires, Challenge: raw})
	return n == 1, err
}
