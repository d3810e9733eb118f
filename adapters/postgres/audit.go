package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core/queue"
)

// AuditCheck is one invariant of a sale and how many rows break it.
type AuditCheck struct {
	Name     string
	Breaches int64
}

// AuditTotals summarises a sale.
type AuditTotals struct {
	Seats, Sold, Payments, Revenue, Released, Tokens int64
}

// AuditReport is the result of Audit.
type AuditReport struct {
	Checks []AuditCheck
	Totals AuditTotals
}

// OK reports whether no check found a breach.
func (r AuditReport) OK() bool {
	for _, c := range r.Checks {
		if c.Breaches != 0 {
			return false
		}
	}
	return true
}

// Audit checks the invariants of the books: seats, payments, holds, tokens, wallets and
// admission order. A hold counts as stuck once it is held `grace` past its deadline.
func (s *Store) Audit(ctx context.Context, grace time.Duration, now time.Time) (AuditReport, error) {
	checks := []struct {
		name  string
		count func() (int64, error)
	}{
		{"no seat sold twice", func() (int64, error) { return s.q.AuditSeatsSoldTwice(ctx) }},
		{"every sold seat has exactly one payment of its price", func() (int64, error) { return s.q.AuditSoldSeatsWithoutOnePayment(ctx) }},
		{"every payment has its sold seat", func() (int64, error) { return s.q.AuditPaymentsWithoutSoldSeat(ctx) }},
		{fmt.Sprintf("no hold still held %s past its deadline", grace), func() (int64, error) { return s.q.AuditHoldsPastDeadline(ctx, now.Add(-grace)) }},
		{"no session a payment was made in is still active", func() (int64, error) { return s.q.AuditPayersWithLiveTokens(ctx) }},
		{"each balance equals its ledger", func() (int64, error) { return s.q.AuditWalletsOffLedger(ctx) }},
		{"no negative balance", func() (int64, error) { return s.q.AuditNegativeBalances(ctx) }},
		{"payments and ledger debits match one to one", func() (int64, error) { return s.q.AuditPaymentsOffLedger(ctx) }},
		{"no token admitted before an earlier arrival", func() (int64, error) { return s.q.AuditAdmittedOutOfOrder(ctx) }},
		{"no waiting token skipped by admission", func() (int64, error) { return s.q.AuditSkippedWaiting(ctx) }},
		{"sequence numbers are gap-free", func() (int64, error) { return s.q.AuditSequenceGaps(ctx) }},
		{"no token waits at or below the admission watermark", func() (int64, error) { return s.q.AuditWaitingBelowWatermark(ctx) }},
		{"the opening draw replays from its seed", func() (int64, error) { return s.drawMismatches(ctx) }},
	}
	var report AuditReport
	for _, c := range checks {
		n, err := c.count()
		if err != nil {
			return AuditReport{}, fmt.Errorf("audit %q: %w", c.name, err)
		}
		report.Checks = append(report.Checks, AuditCheck{Name: c.name, Breaches: n})
	}
	t, err := s.q.AuditTotals(ctx)
	if err != nil {
		return AuditReport{}, fmt.Errorf("audit totals: %w", err)
	}
	report.Totals = AuditTotals(sqlcdb.AuditTotalsRow(t))
	return report, nil
}

// drawMismatches replays the opening draw from the recorded seed and counts early tokens whose
// place differs from it.
func (s *Store) drawMismatches(ctx context.Context) (int64, error) {
	q, err := s.Queue(ctx)
	if err != nil || !q.Drawn {
		return 0, err
	}
	rows, err := s.q.AuditDrawnTokens(ctx)
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
