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
// which spend the batch's solutions in their statement. In a presale it joins the batched
// presale issues (issuePresaleBatch): one transaction a batch, whatever the number of joins.
func (s *Tokens) IssueTokenWithPass(ctx context.Context, sale core.SaleID, user core.UserID, pass entry.Pass, now time.Time) (queue.Token, error) {
	if pass.Proof != nil {
		s.forgetExpired(ctx)
	}
	in := issueArgs{sale: sale, user: user, now: now, proof: pass.Proof}
	if !pass.Presale {
		return s.issues.do(ctx, in)
	}
	in.code = pass.Code
	return s.presales.do(ctx, in)
}

// issuePresaleBatch answers a batch of presale joins in one transaction, with a statement for
// each step, not for each join: it spends the batch's solutions; locks its codes (in code
// order, before any queue's lock, as every presale batch does) and reads which fans redeemed
// them before; reads the fans' live tokens; decides each join in the batch's order, counting
// each code's uses as it goes; issues the admitted fans' tokens; and redeems a use of each
// admitted fan's code unless they redeemed it before. A join whose solution was spent before is
// entry.ErrSpent; a fan with a live token gets it back, redeeming nothing; a join the code
// refuses issues nothing, its solution staying spent.
func (s *Tokens) issuePresaleBatch(ctx context.Context, reqs []*issueRequest) error {
	var out answers
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		b := presaleBatch{q: s.q.WithTx(tx), reqs: reqs}
		out, err = b.answer(ctx)
		return err
	})
	if err != nil {
		return err
	}
	out.send()
	return nil
}

// presaleBatch is one batch of presale joins in its transaction, and what it read under its
// codes' locks.
type presaleBatch struct {
	q    *sqlcdb.Queries
	reqs []*issueRequest
	now  time.Time // the batch's latest clock

	codes     map[string]entry.AccessCode // the batch's codes, their uses left counted down as joins take them
	redeemers map[codeFan]bool            // the batch's fans who redeemed their code before
	live      map[issueFan]queue.Token    // the batch's fans' live tokens, then the ones it issued
}

type codeFan struct {
	code string
	user core.UserID
}

// admission is how a fan of the batch was let in: the join, and the code it came in on.
type admission struct {
	code codeFan
	join int // its index in the batch: the token is issued at its time
}

func (b *presaleBatch) answer(ctx context.Context) (answers, error) {
	b.now = b.reqs[0].in.now
	for _, r := range b.reqs {
		b.now = later(b.now, r.in.now)
	}
	spent, err := b.spend(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.read(ctx); err != nil {
		return nil, err
	}
	// Each join in order: one whose fan was let in already gets the same token; then a spent
	// solution refuses it, a live token answers it, and otherwise the code decides. A refused
	// join whose fan a later join of the batch lets in gets that token, as it would asking again.
	refusals := make([]error, len(b.reqs))
	letIn := map[issueFan]admission{}
	for i, r := range b.reqs {
		fan := issueFan{r.in.sale, r.in.user}
		if _, ok := letIn[fan]; ok {
			continue
		}
		if spent[i] {
			refusals[i] = entry.ErrSpent
			continue
		}
		if _, ok := b.live[fan]; ok {
			continue
		}
		if refusals[i] = b.verdict(r); refusals[i] != nil {
			continue
		}
		cf := codeFan{r.in.code, r.in.user}
		if !b.redeemers[cf] {
			c := b.codes[r.in.code]
			c.UsesLeft--
			b.codes[r.in.code] = c
		}
		letIn[fan] = admission{code: cf, join: i}
	}
	if err := b.issueAndRedeem(ctx, letIn); err != nil {
		return nil, err
	}
	out := make(answers, len(b.reqs))
	for i, r := range b.reqs {
		tok, ok := b.live[issueFan{r.in.sale, r.in.user}]
		switch err := refusals[i]; {
		case err != nil && (errors.Is(err, entry.ErrSpent) || !ok): // refused, and no token to give back
			out[i] = func() { r.answer(queue.Token{}, err) }
		case !ok:
			out[i] = func() { r.answer(queue.Token{}, noLiveToken(r)) }
		default:
			out[i] = func() { r.answer(tok, nil) }
		}
	}
	return out, nil
}

// read locks the batch's codes and reads who redeemed them and the fans' live tokens.
func (b *presaleBatch) read(ctx context.Context) error {
	var codes []string
	var pairs sqlcdb.CodeRedeemersOfParams
	fans := sqlcdb.TokensLiveParams{Now: b.now}
	for _, r := range b.reqs {
		if r.in.code != "" {
			codes = append(codes, r.in.code)
			pairs.Codes, pairs.UserIds = append(pairs.Codes, r.in.code), append(pairs.UserIds, string(r.in.user))
		}
		fans.SaleIds, fans.UserIds = append(fans.SaleIds, string(r.in.sale)), append(fans.UserIds, string(r.in.user))
	}
	b.codes, b.redeemers = map[string]entry.AccessCode{}, map[codeFan]bool{}
	if len(codes) > 0 {
		locked, err := b.q.CodesLock(ctx, codes)
		if err != nil {
			return err
		}
		for _, row := range locked {
			b.codes[row.Code] = codeFromRow(row)
		}
		redeemed, err := b.q.CodeRedeemersOf(ctx, pairs)
		if err != nil {
			return err
		}
		for _, row := range redeemed {
			b.redeemers[codeFan{row.Code, core.UserID(row.UserID)}] = true
		}
	}
	liveRows, err := b.q.TokensLive(ctx, fans)
	if err != nil {
		return err
	}
	b.live, err = tokensByFan(liveRows)
	return err
}

// issueAndRedeem issues the tokens of the fans let in, each at the time of the join that let
// them in, and redeems a use of each one's code, unless they redeemed it before or the token is
// one another instance's batch issued meanwhile (then it is their live token, and no use is
// taken; the uses this batch counted down for it may have refused a later join of the batch
// as used up: only a fan racing two instances with two codes costs that).
func (b *presaleBatch) issueAndRedeem(ctx context.Context, letIn map[issueFan]admission) error {
	if len(letIn) == 0 {
		return nil
	}
	var admitted []*issueRequest // in the batch's order, each fan's admitting join
	for i, r := range b.reqs {
		if a, ok := letIn[issueFan{r.in.sale, r.in.user}]; ok && a.join == i {
			admitted = append(admitted, r)
		}
	}
	cols, err := issueColumns(admitted, false)
	if err != nil {
		return err
	}
	issue := withoutSolutions(cols)
	issue.Now = b.now
	proposed := make(map[string]bool, len(issue.Ids))
	for _, id := range issue.Ids {
		proposed[id] = true
	}
	rows, err := b.q.TokenIssueBatch(ctx, issue)
	if err != nil {
		return err
	}
	var redeem sqlcdb.CodesRedeemParams
	for _, row := range rows {
		tok, err := tokenFromRow(row)
		if err != nil {
			return err
		}
		fan := issueFan{tok.SaleID, tok.UserID}
		b.live[fan] = tok
		if cf := letIn[fan].code; proposed[string(tok.ID)] && !b.redeemers[cf] {
			redeem.Codes, redeem.UserIds = append(redeem.Codes, cf.code), append(redeem.UserIds, string(cf.user))
		}
	}
	if len(redeem.Codes) == 0 {
		return nil
	}
	return b.q.CodesRedeem(ctx, redeem)
}

// verdict is the code's word on a join whose fan has no live token: nil lets them in.
func (b *presaleBatch) verdict(r *issueRequest) error {
	if r.in.code == "" {
		return entry.ErrNoCode
	}
	c, ok := b.codes[r.in.code]
	switch {
	case !ok:
		return entry.ErrUnknownCode
	case b.redeemers[codeFan{r.in.code, r.in.user}]:
		return c.Readmits(r.in.sale, r.in.now)
	default:
		return c.Redeemable(r.in.sale, r.in.now)
	}
}

// spend spends the batch's solutions, each once, and reports which joins' solution was spent
// before (or by an earlier join of the batch).
func (b *presaleBatch) spend(ctx context.Context) ([]bool, error) {
	var p sqlcdb.ProofsSpendParams
	challenges := make([]string, len(b.reqs)) // each join's, as the bytes the table keeps
	first := map[string]int{}
	for i, r := range b.reqs {
		if r.in.proof == nil {
			continue
		}
		raw, err := hex.DecodeString(r.in.proof.Challenge)
		if err != nil {
			return nil, fmt.Errorf("spend solution %q: %w", r.in.proof.Challenge, err)
		}
		challenges[i] = string(raw)
		if _, ok := first[challenges[i]]; ok {
			continue
		}
		first[challenges[i]] = i
		p.ExpiresAt, p.Challenges = append(p.ExpiresAt, r.in.proof.Expires), append(p.Challenges, raw)
	}
	spent := make([]bool, len(b.reqs))
	if len(p.Challenges) == 0 {
		return spent, nil
	}
	fresh, err := b.q.ProofsSpend(ctx, p)
	if err != nil {
		return nil, err
	}
	isFresh := make(map[string]bool, len(fresh))
	for _, c := range fresh {
		isFresh[string(c)] = true
	}
	for i, r := range b.reqs {
		if r.in.proof != nil {
			spent[i] = first[challenges[i]] != i || !isFresh[challenges[i]]
		}
	}
	return spent, nil
}
