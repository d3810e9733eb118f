package queue

import (
	"context"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// Admitter is the step a sale's admission loop runs every tick.
type Admitter struct {
	store    Store
	sales    Sales
	clock    core.Clock
	policy   Policy
	counters Counters
}

// AdmitNext runs one admission tick of a sale with the settings in force, admitting up to the
// tick's batch (Settings.Batch): what a loop whose ticks come exactly on time runs.
func (a *Admitter) AdmitNext(ctx context.Context, sale core.SaleID, s Settings) (Result, error) {
	return a.AdmitUpTo(ctx, sale, s, s.Batch())
}

// AdmitUpTo runs one admission round of a sale with the settings in force: it ends expired
// sessions; once the queue is open it draws the early fans' places if that is still to do,
// then admits up to batch waiting fans (an Allowance's) in sequence order, skipping those not
// seen for Policy.AbandonAfter, keeping at most s.MaxActive admitted at once; and it records
// what it measured and the settings it ran with. A paused or draft sale admits nobody; for a
// closed one the result says Closed and nothing is done.
func (a *Admitter) AdmitUpTo(ctx context.Context, sale core.SaleID, s Settings, batch int) (Result, error) {
	if s.SessionTTL == 0 { // a loop started before sessions were the sale's
		s.SessionTTL = a.policy.Admission.SessionTTL
	}
	if err := s.Validate(); err != nil {
		return Result{}, fmt.Errorf("admit: %w", err)
	}
	state, err := a.sales.State(ctx, sale)
	if err != nil {
		return Result{}, fmt.Errorf("admit: %w", err)
	}
	if state == core.Closed {
		return Result{Closed: true}, nil
	}
	now := a.clock.Now()
	before, err := a.store.Queue(ctx, sale)
	if err != nil {
		return Result{}, fmt.Errorf("admit: read queue: %w", err)
	}
	round := Round{Batch: max(0, batch), MaxActive: s.MaxActive, Session: s.SessionTTL, AbandonedBefore: now.Add(-a.policy.AbandonAfter), Now: now}
	if state != core.OnSale {
		round.Batch = 0 // paused or draft: sessions still end; nobody new comes in
	}
	res, err := a.store.Admit(ctx, sale, round)
	if err != nil {
		return Result{}, fmt.Errorf("admit: %w", err)
	}
	measure := Measure{
		AdmitRate: nextAdmitRate(before, res, float64(s.AdmitRate), now),
		Moved:     res.Admitted > 0 || res.Waiting == 0 || !before.Open(now),
		Settings:  s,
		At:        now,
	}
	if err := a.store.RecordAdmission(ctx, sale, measure); err != nil {
		return res, fmt.Errorf("record admission: %w", err)
	}
	if _, err := a.counters.Read(ctx, sale); err != nil {
		return res, err
	}
	return res, nil
}
