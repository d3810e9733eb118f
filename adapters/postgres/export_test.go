package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// PresaleJoin is one join of a presale batch that a test builds by hand.
type PresaleJoin struct {
	Sale  core.SaleID
	User  core.UserID
	Code  string
	Proof *entry.Solution
	Now   time.Time
}

// IssuePresaleBatch answers joins as one presale batch, in their order, as the batcher would
// had they all arrived during one flush, and returns each join's token and error.
func (s *Tokens) IssuePresaleBatch(ctx context.Context, joins []PresaleJoin) ([]queue.Token, []error, error) {
	reqs := make([]*issueRequest, len(joins))
	for i, j := range joins {
		reqs[i] = &issueRequest{in: issueArgs{sale: j.Sale, user: j.User, now: j.Now, proof: j.Proof, code: j.Code},
			done: make(chan batchResult[queue.Token], 1)}
	}
	if err := s.issuePresaleBatch(ctx, reqs); err != nil {
		return nil, nil, err
	}
	toks, errs := make([]queue.Token, len(reqs)), make([]error, len(reqs))
	for i, r := range reqs {
		res := <-r.done
		toks[i], errs[i] = res.out, res.err
	}
	return toks, errs, nil
}
