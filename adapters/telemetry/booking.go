package telemetry

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

type bookingInstruments struct {
	holds, payments, releases, refunds, checkIns counter
	paymentTime, lateness                        histogram
	bySale                                       labelSets[core.SaleID, measured]
	bySaleOutcome                                labelSets[saleOutcome, measured]
	bySaleReason                                 labelSets[saleReason, measured]
	byReleaser                                   labelSets[booking.Releaser, measured]
	declared                                     sync.Map // core.SaleID → its series are declared
}

type saleOutcome struct {
	sale    core.SaleID
	outcome booking.Outcome
}

type saleReason struct {
	sale   core.SaleID
	reason booking.RefundReason
}

func newBookingInstruments(m metric.Meter, z *zeroSeries) (*bookingInstruments, error) {
	b := &bookingInstruments{}
	// A sale's first event declares its other series, so the outcomes it has not had yet count from zero.
	b.bySale.build = func(s core.SaleID) measured {
		b.declareSale(s)
		return metric.WithAttributeSet(attribute.NewSet(saleAttr(s)))
	}
	b.bySaleOutcome.build = func(k saleOutcome) measured {
		b.declareSale(k.sale)
		return metric.WithAttributeSet(attribute.NewSet(saleAttr(k.sale), outcomeAttr(k.outcome)))
	}
	b.bySaleReason.build = func(k saleReason) measured {
		b.declareSale(k.sale)
		return metric.WithAttributeSet(attribute.NewSet(saleAttr(k.sale), reasonAttr(k.reason)))
	}
	b.byReleaser.build = func(r booking.Releaser) measured { return metric.WithAttributeSet(attribute.NewSet(releaserAttr(r))) }
	errs := make([]error, 7)
	b.holds, errs[0] = z.counter(m, "boxoffice.holds", "Hold attempts, by sale and outcome: won, lost (the seat was taken), refused, failed.")
	b.payments, errs[1] = z.counter(m, "boxoffice.payments", "Payments, by sale and outcome: won (paid), lost (the hold had ended), no_balance, refused, failed.")
	b.releases, errs[2] = z.counter(m, "boxoffice.releases", "Holds released past their deadline, by who released them: the hold's workflow or the sweep (a minute past the payment deadline).")
	b.paymentTime, errs[3] = z.histogram(m, "boxoffice.payment.duration", "How long a fan waited for a payment's answer, by sale.")
	b.lateness, errs[4] = z.histogram(m, "boxoffice.release.lateness", "How long after its deadline a hold's workflow released it.")
	b.refunds, errs[5] = z.counter(m, "boxoffice.refunds", "Tickets refunded, by sale and reason: fan (given back) or performance_cancelled.")
	b.checkIns, errs[6] = z.counter(m, "boxoffice.check_ins", "Scans at the gates, by sale and outcome: won (admitted), lost (in already), refused, failed.")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, r := range booking.Releasers() {
		b.releases.zero.declare(releaserAttr(r))
	}
	b.lateness.zero.declare()
	return b, nil
}

// declareSale makes every booking series of sale show, at zero until counted.
func (b *bookingInstruments) declareSale(sale core.SaleID) {
	if _, done := b.declared.LoadOrStore(sale, true); done {
		return
	}
	s := saleAttr(sale)
	for _, o := range booking.HoldOutcomes() {
		b.holds.zero.declare(s, outcomeAttr(o))
	}
	for _, o := range booking.PaymentOutcomes() {
		b.payments.zero.declare(s, outcomeAttr(o))
	}
	for _, o := range booking.CheckInOutcomes() {
		b.checkIns.zero.declare(s, outcomeAttr(o))
	}
	for _, r := range booking.RefundReasons() {
		b.refunds.zero.declare(s, reasonAttr(r))
	}
	b.paymentTime.zero.declare(s)
}

// DeclareSale makes the booking series of sale (its holds, payments, payment durations, refunds
// and check-ins, by every outcome and reason) show from the next scrape on, at zero until
// counted: what start-up does for each sale not closed. A sale's first booking event, or its
// queue showing up here, does it too.
func (m *Metrics) DeclareSale(sale core.SaleID) {
	m.booking.declareSale(sale)
	m.entry.declareSale(sale)
}

// Booking is the observer of the booking path that records its metrics.
func (m *Metrics) Booking() booking.Observer { return bookingObserver{m.booking} }

type bookingObserver struct{ i *bookingInstruments }

func (o bookingObserver) HoldDecided(sale core.SaleID, outcome booking.Outcome) {
	o.i.holds.Add(context.Background(), 1, o.i.bySaleOutcome.of(saleOutcome{sale, outcome}))
}

func (o bookingObserver) PaymentDecided(sale core.SaleID, outcome booking.Outcome, took time.Duration) {
	ctx := context.Background()
	o.i.payments.Add(ctx, 1, o.i.bySaleOutcome.of(saleOutcome{sale, outcome}))
	o.i.paymentTime.Record(ctx, took.Seconds(), o.i.bySale.of(sale))
}

func (o bookingObserver) HoldsReleased(by booking.Releaser, n int, late time.Duration) {
	ctx := context.Background()
	o.i.releases.Add(ctx, int64(n), o.i.byReleaser.of(by))
	if by == booking.ReleasedByWorkflow {
		o.i.lateness.Record(ctx, late.Seconds())
	}
}

func (o bookingObserver) Refunded(sale core.SaleID, reason booking.RefundReason, n int) {
	o.i.refunds.Add(context.Background(), int64(n), o.i.bySaleReason.of(saleReason{sale, reason}))
}

func (o bookingObserver) CheckInDecided(sale core.SaleID, outcome booking.Outcome) {
	o.i.checkIns.Add(context.Background(), 1, o.i.bySaleOutcome.of(saleOutcome{sale, outcome}))
}

func saleAttr(s core.SaleID) attribute.KeyValue        { return attribute.String("sale", string(s)) }
func outcomeAttr(o booking.Outcome) attribute.KeyValue { return attribute.String("outcome", string(o)) }
func reasonAttr(r booking.RefundReason) attribute.KeyValue {
	return attribute.String("reason", r.String())
}
func releaserAttr(r booking.Releaser) attribute.KeyValue { return attribute.String("by", string(r)) }
