package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// AuditCheck is one invariant and how many rows break it.
type AuditCheck struct {
	Name     string
	Breaches int64
}

// AuditTotals summarises a sale.
type AuditTotals struct {
	Seats, Sold, Payments, Revenue, Released, Tokens, Refunds, Refunded, CheckedIn int64
}

// SaleAudit is the audit of one sale: its invariants and totals.
type SaleAudit struct {
	Sale   core.SaleID
	Checks []AuditCheck
	Totals AuditTotals
}

// AuditReport is the result of Audit: each sale's checks, and the wallets' and the webhooks',
// which span them.
type AuditReport struct {
	Sales    []SaleAudit
	Wallets  []AuditCheck
	Webhooks []AuditCheck
}

// OK reports whether no check found a breach.
func (r AuditReport) OK() bool {
	all := append(slices.Clone(r.Wallets), r.Webhooks...)
	for _, s := range r.Sales {
		all = append(all, s.Checks...)
	}
	for _, c := range all {
		if c.Breaches != 0 {
			return false
		}
	}
	return true
}

type auditQuery struct {
	name  string
	count func() (int64, error)
}

// Audit checks the invariants of the books, sale by sale (seats, payments at the price each seat
// was held at, holds, sessions, the per-fan limit, admission order, numbering and the draw) and
// across sales (wallets and their ledger). A hold counts as stuck once it is held `grace` past
// its deadline.
func (s *Store) Audit(ctx context.Context, grace time.Duration, now time.Time) (AuditReport, error) {
	var report AuditReport
	var err error
	if report.Wallets, err = run([]auditQuery{
		{"each balance equals its ledger", func() (int64, error) { return s.q.AuditWalletsOffLedger(ctx) }},
		{"no negative balance", func() (int64, error) { return s.q.AuditNegativeBalances(ctx) }},
		{"payments and ledger debits match one to one", func() (int64, error) { return s.q.AuditPaymentsOffLedger(ctx) }},
	}); err != nil {
		return AuditReport{}, err
	}
	if report.Webhooks, err = run([]auditQuery{
		{"no endpoint passed an event it hears without delivering it or giving up on it", func() (int64, error) { return s.q.AuditEventsPassedUndelivered(ctx) }},
	}); err != nil {
		return AuditReport{}, err
	}
	sales, err := s.Catalog.Sales(ctx)
	if err != nil {
		return AuditReport{}, err
	}
	for _, sale := range sales {
		a, err := s.auditSale(ctx, sale.ID, grace, now)
		if err != nil {
			return AuditReport{}, err
		}
		report.Sales = append(report.Sales, a)
	}
	return report, nil
}

func (s *Store) auditSale(ctx context.Context, sale core.SaleID, grace time.Duration, now time.Time) (SaleAudit, error) {
	id := string(sale)
	checks, err := run([]auditQuery{
		{"no seat sold twice", func() (int64, error) { return s.q.AuditSeatsSoldTwice(ctx, id) }},
		{"every sold seat has exactly one payment of the price it was held at", func() (int64, error) { return s.q.AuditSoldSeatsWithoutOnePayment(ctx, id) }},
		{"every payment has its sold seat", func() (int64, error) { return s.q.AuditPaymentsWithoutSoldSeat(ctx, id) }},
		{fmt.Sprintf("no hold still held %s past its payment deadline", grace), func() (int64, error) {
			return s.q.AuditHoldsPastDeadline(ctx, sqlcdb.AuditHoldsPastDeadlineParams{SaleID: id, Cutoff: now.Add(-grace)})
		}},
		{"no session a payment was made in is still active", func() (int64, error) { return s.q.AuditPayersWithLiveTokens(ctx, id) }},
		{"no fan bought more than the per-fan limit", func() (int64, error) { return s.q.AuditFansOverTheLimit(ctx, id) }},
		{"no token admitted before an earlier arrival", func() (int64, error) { return s.q.AuditAdmittedOutOfOrder(ctx, id) }},
		{"no waiting token skipped by admission", func() (int64, error) { return s.q.AuditSkippedWaiting(ctx, id) }},
		{"sequence numbers are gap-free", func() (int64, error) { return s.q.AuditSequenceGaps(ctx, id) }},
		{"no token waits at or below the admission watermark", func() (int64, error) { return s.q.AuditWaitingBelowWatermark(ctx, id) }},
		{"the opening draw replays from its seed", func() (int64, error) { return s.drawMismatches(ctx, sale) }},
		{"the count of fans in session is the queue's active tokens", func() (int64, error) { return countOrNone(s.q.AuditActiveCountOff(ctx, id)) }},
		{"no fan who left the queue is in it again", func() (int64, error) { return s.q.AuditActiveAfterLeaving(ctx, id) }},
		{"every cancelled ticket has exactly one refund, of its price less the fee kept", func() (int64, error) { return s.q.AuditCancelledWithoutOneRefund(ctx, id) }},
		{"refunds and ledger credits match one to one", func() (int64, error) { return s.q.AuditRefundsOffLedger(ctx, id) }},
		{"no checked-in ticket is cancelled or unpaid", func() (int64, error) { return s.q.AuditCheckedInNotAdmissible(ctx, id) }},
		{"every order is taken, paid and released whole", func() (int64, error) { return s.q.AuditOrdersSplit(ctx, id) }},
		{"every payment, refund, check-in and offer has its event", func() (int64, error) { return widen(s.q.AuditChangesWithoutEvent(ctx, id)) }},
		{"every waitlist offer is accounted for", func() (int64, error) { return widen(s.q.AuditOffersUnaccounted(ctx, id)) }},
	})
	if err != nil {
		return SaleAudit{}, fmt.Errorf("sale %s: %w", sale, err)
	}
	t, err := s.q.AuditTotals(ctx, id)
	if err != nil {
		return SaleAudit{}, fmt.Errorf("audit totals of %s: %w", sale, err)
	}
	return SaleAudit{Sale: sale, Checks: checks, Totals: AuditTotals(sqlcdb.AuditTotalsRow(t))}, nil
}

// countOrNone is a count of a sale's queue, none for a sale whose queue was never used.
func countOrNone(n int64, err error) (int64, error) {
	if noRows(err) {
		return 0, nil
	}
	return n, err
}

func run(queries []auditQuery) ([]AuditCheck, error) {
	checks := make([]AuditCheck, 0, len(queries))
	for _, c := range queries {
		n, err := c.count()
		if err != nil {
			return nil, fmt.Errorf("audit %q: %w", c.name, err)
		}
		checks = append(checks, AuditCheck{Name: c.name, Breaches: n})
	}
	return checks, nil
}

// drawMismatches replays a sale's opening draw from the recorded seed and counts early tokens
// whose place differs from it.
func (s *Store) drawMismatches(ctx context.Context, sale core.SaleID) (int64, error) {
	q, err := s.Tokens.Queue(ctx, sale)
	if err != nil || !q.Drawn {
		return 0, err
	}
	rows, err := s.q.AuditDrawnTokens(ctx, string(sale))
	if err != nil {
		return 0, err
	}
	places := queue.DrawOrder(q.EarlyThrough, q.DrawSeed)
	bad := int64(len(places) - len(rows)) // an early token missing from the draw
	for _, r := range rows {
		if r.ArrivalSeq < 1 || r.ArrivalSeq > int64(len(places)) || places[r.ArrivalSeq-1] != r.Seq {
			bad++
		}
	}
	return max(bad, -bad), nil
}

// widen is a count sqlc typed as int32 (a sum of counts) as the checks' int64.
func widen(n int32, err error) (int64, error) { return int64(n), err }
