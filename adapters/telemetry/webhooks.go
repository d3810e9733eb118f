package telemetry

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// webhookInstruments count the couriers' attempts by outcome.
type webhookInstruments struct {
	deliveries counter
	byOutcome  labelSets[webhook.Outcome, measured]
}

func newWebhookInstruments(m metric.Meter, z *zeroSeries) (*webhookInstruments, error) {
	w := &webhookInstruments{}
	w.byOutcome.build = func(o webhook.Outcome) measured {
		return metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", o.String())))
	}
	var err error
	w.deliveries, err = z.counter(m, "boxoffice.webhook.deliveries",
		"Attempts at delivering an event to a webhook endpoint, by outcome: delivered (a 2xx), retried (no answer or another status; tried again), failed (24 h of retries spent).")
	if err != nil {
		return nil, err
	}
	for _, o := range webhook.Outcomes() {
		w.deliveries.zero.declare(attribute.String("outcome", o.String()))
	}
	return w, nil
}

// Webhooks is what the couriers report to.
func (m *Metrics) Webhooks() webhook.Observer { return webhookObserver{m.webhooks} }

type webhookObserver struct{ i *webhookInstruments }

func (o webhookObserver) Attempted(outcome webhook.Outcome) {
	o.i.deliveries.Add(context.Background(), 1, o.i.byOutcome.of(outcome))
}

// backlogRefresh is how long a read of the backlogs serves scrapes: every instance scrapes
// them from the database, so a scrape costs at most a read this often.
const backlogRefresh = 10 * time.Second

// Backlogs are what waits in the database: the oldest event not delivered to an endpoint (zero
// for none), and every sale's waitlist entries by status.
type Backlogs struct {
	OldestPending func(ctx context.Context) (time.Time, error)
	Waitlists     func(ctx context.Context) (map[core.SaleID]map[waitlist.Status]int, error)
}

// ObserveBacklogs exports the webhooks' oldest pending event's age (0 when none waits) and
// each sale's waitlist entries by status (every declared sale's, at zero until it has some),
// read from the database at most every backlogRefresh.
func (m *Metrics) ObserveBacklogs(b Backlogs) error {
	errs := make([]error, 3)
	var age, entries metric.Float64ObservableGauge
	age, errs[0] = m.meter.Float64ObservableGauge("boxoffice.webhook.oldest_pending", metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest event a webhook endpoint hears and has not had delivered yet (0 when none waits): how far the deliveries are behind."))
	entries, errs[1] = m.meter.Float64ObservableGauge("boxoffice.waitlist.entries",
		metric.WithDescription("Waitlist entries by sale and status: waiting (the waitlist's length), offered, claimed (paid), expired, left."))
	read := &backlogReads{b: b}
	_, errs[2] = m.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		oldest, lines := read.now(ctx)
		o.ObserveFloat64(age, oldest)
		all := map[core.SaleID]map[waitlist.Status]int{}
		maps.Copy(all, lines)
		m.booking.declared.Range(func(sale, _ any) bool { // a sale not closed shows its waitlist from zero
			if _, ok := all[sale.(core.SaleID)]; !ok {
				all[sale.(core.SaleID)] = nil
			}
			return true
		})
		for sale, byStatus := range all {
			for _, st := range []waitlist.Status{waitlist.Waiting, waitlist.Offered, waitlist.Claimed, waitlist.Expired, waitlist.Left} {
				o.ObserveFloat64(entries, float64(byStatus[st]), metric.WithAttributeSet(attribute.NewSet(saleAttr(sale), attribute.String("status", st.String()))))
			}
		}
		return nil
	}, age, entries)
	return errors.Join(errs...)
}

// backlogReads keep the last read of the backlogs for backlogRefresh.
type backlogReads struct {
	b      Backlogs
	mu     sync.Mutex
	at     time.Time
	oldest time.Time
	lines  map[core.SaleID]map[waitlist.Status]int
}

// now is the oldest pending event's age in seconds and the waitlists' counts, read again once
// the last read is backlogRefresh old; a read that fails keeps the last values.
func (r *backlogReads) now(ctx context.Context) (float64, map[core.SaleID]map[waitlist.Status]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.at) >= backlogRefresh {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		oldest, err1 := r.b.OldestPending(ctx)
		lines, err2 := r.b.Waitlists(ctx)
		if err1 == nil && err2 == nil {
			r.at, r.oldest, r.lines = time.Now(), oldest, lines
		}
	}
	if r.oldest.IsZero() {
		return 0, r.lines
	}
	return max(0, time.Since(r.oldest).Seconds()), r.lines
}
