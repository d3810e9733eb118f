package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// QueueReport is what operators see of the waiting room during a sale.
type QueueReport struct {
	Stats    QueueStats
	Settings AdmissionSettings
	// AdmittedPerMinute is the measured admission rate; the configured one before any
	// admission was measured.
	AdmittedPerMinute float64
	// OldestWait is how long the fan at the head of the queue has waited.
	OldestWait time.Duration
	// Stalled says fans wait and admission has not moved for a while (Queue.Stalled).
	Stalled bool
}

// QueueReport reads the queue's statistics and the admission settings.
func (b *BoxOffice) QueueReport(ctx context.Context) (QueueReport, error) {
	st, err := b.ports.Tokens.QueueStats(ctx)
	if err != nil {
		return QueueReport{}, fmt.Errorf("queue stats: %w", err)
	}
	set, err := b.ports.Admission.AdmissionSettings(ctx)
	if err != nil {
		return QueueReport{}, errors.Join(ErrAdmissionUnavailable, fmt.Errorf("read admission settings: %w", err))
	}
	r := QueueReport{Stats: st, Settings: set, AdmittedPerMinute: b.measuredRate(st.Queue) * 60, Stalled: st.Stalled(b.ports.Clock.Now())}
	if !st.OldestIssuedAt.IsZero() {
		r.OldestWait = max(0, b.ports.Clock.Now().Sub(st.OldestIssuedAt))
	}
	return r, nil
}

// ChangeAdmission changes the admission rate, the ceiling or both from the next tick and
// returns the settings that now apply.
func (b *BoxOffice) ChangeAdmission(ctx context.Context, c AdmissionChange) (AdmissionSettings, error) {
	if err := c.Validate(); err != nil {
		return AdmissionSettings{}, err
	}
	applied, err := b.ports.Admission.ChangeAdmission(ctx, c)
	if err != nil {
		return AdmissionSettings{}, errors.Join(ErrAdmissionUnavailable, fmt.Errorf("change admission: %w", err))
	}
	// Estimates follow the change from the next answer, not from the next tick.
	if err := b.ports.Tokens.RecordSettings(ctx, applied); err != nil {
		return applied, fmt.Errorf("record admission settings: %w", err)
	}
	if _, err := b.refreshQueue(ctx); err != nil {
		return applied, err
	}
	return applied, nil
}
