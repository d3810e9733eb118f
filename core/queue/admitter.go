package queue

import (
	"context"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
)

// Admitter is the step the admission loop runs every tick.
type Admitter struct {
	store  Store
	clock  core.Clock
	policy Policy
	view   *view
}

// AdmitNext runs one admission tick with the settings in force: it ends expired sessions; once
// the queue is open it draws the early fans' places if that is still to do, then admits up to
// a tick's batch of waiting fans in sequence order, skipping those not seen for
// Policy.AbandonAfter, keeping at most s.MaxActive admitted at once; and it records what it
// measured and the settings it ran with.
func (a *Admitter) AdmitNext(ctx context.Context, s Settings) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, fmt.Errorf("admit: %w", err)
	}
	now := a.clock.Now()
	before, err := a.store.Queue(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("admit: read queue: %w", err)
	}
	res, err := a.store.Admit(ctx, Round{
		Batch: s.Batch(), MaxActive: s.MaxActive, Session: a.policy.SessionTTL,
		AbandonedBefore: now.Add(-a.policy.AbandonAfter), Now: now,
	})
	if err != nil {
		return Result{}, fmt.Errorf("admit: %w", err)
	}
	measure := Measure{
		AdmitRate: nextAdmitRate(before, res, float64(s.AdmitRate), now),
		Moved:     res.Admitted > 0 || res.Waiting == 0 || !before.Open(now),
		Settings:  s,
		At:        now,
	}
	if err := a.store.RecordAdmission(ctx, measure); err != nil {
		return res, fmt.Errorf("record admission: %w", err)
	}
	if _, err := a.view.read(ctx); err != nil {
		return res, err
	}
	return res, nil
}
