package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

type bookingInstruments struct {
	holds, payments, releases, refunds, checkIns metric.Int64Counter
	paymentTime, lateness                        metric.Float64Histogram
	bySale                                       labelSets[core.SaleID, measured]
	bySaleOutcome                                labelSets[saleOutcome, measured]
}

type saleOutcome struct {
	sale    core.SaleID
	outcome booking.Outcome
}

func newBookingInstruments(m metric.Meter) (*bookingInstruments, error) {
	b := &bookingInstruments{
		bySale: labelSets[core.SaleID, measured]{build: func(s core.SaleID) measured {
			return metric.WithAttributeSet(attribute.NewSet(saleAttr(s)))
		}},
		bySaleOutcome: labelSets[saleOutcome, measured]{build: func(k saleOutcome) measured {
			return metric.WithAttributeSet(attribute.NewSet(saleAttr(k.sale), outcomeAttr(k.outcome)))
		}},
	}
	errs := make([]error, 7)
	b.holds, errs[0] = m.Int64Counter("boxoffice.holds", metric.WithDescription("Hold attempts, by sale and outcome: won, lost (the seat was taken), refused, failed."))
	b.payments, errs[1] = m.Int64Counter("boxoffice.payments", metric.WithDescription("Payments, by sale and outcome: won (paid), lost (the hold had ended), no_balance, refused, failed."))
	b.releases, errs[2] = m.Int64Counter("boxoffice.releases", metric.WithDescription("Holds released past their deadline, by who released them: the hold's workflow or the lapse release."))
	b.paymentTime, errs[3] = m.Float64Histogram("boxoffice.payment.duration", metric.WithUnit("s"), metric.WithDescription("How long a fan waited for a payment's answer, by sale."))
	b.lateness, errs[4] = m.Float64Histogram("boxoffice.release.lateness", metric.WithUnit("s"), metric.WithDescription("How long after its deadline a hold's workflow released it."))
	b.refunds, errs[5] = m.Int64Counter("boxoffice.refunds", metric.WithDescription("Tickets refunded, by sale and reason: fan (given back) or performance_cancelled."))
	b.checkIns, errs[6] = m.Int64Counter("boxoffice.check_ins", metric.WithDescription("Scans at the gates, by sale and outcome: won (admitted), lost (in already), refused, failed."))
	return b, errors.Join(errs...)
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
	o.i.releases.Add(ctx, int64(n), metric.WithAttributeSet(attribute.NewSet(attribute.String("by", string(by)))))
	if by == booking.ReleasedByWorkflow {
		o.i.lateness.Record(ctx, late.Seconds())
	}
}

func (o bookingObserver) Refunded(sale core.SaleID, reason booking.RefundReason, n int) {
	o.i.refunds.Add(context.Background(), int64(n), metric.WithAttributeSet(attribute.NewSet(saleAttr(sale), attribute.String("reason", reason.String()))))
}

func (o bookingObserver) CheckInDecided(sale core.SaleID, outcome booking.Outcome) {
	o.i.checkIns.Add(context.Background(), 1, o.i.bySaleOutcome.of(saleOutcome{sale, outcome}))
}

func saleAttr(s core.SaleID) attribute.KeyValue        { return attribute.String("sale", string(s)) }
func outcomeAttr(o booking.Outcome) attribute.KeyValue { return attribute.String("outcome", string(o)) }
