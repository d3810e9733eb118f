package telemetry

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

// entryInstruments count the joins the queues' door refused, by sale and cause.
type entryInstruments struct {
	refused  counter
	byCause  labelSets[saleCause, measured]
	declared sync.Map // core.SaleID → its causes are declared
}

type saleCause struct {
	sale  core.SaleID
	cause entry.Cause
}

func newEntryInstruments(m metric.Meter, z *zeroSeries) (*entryInstruments, error) {
	e := &entryInstruments{}
	// A sale's first refusal declares its other causes, so they count from zero.
	e.byCause.build = func(k saleCause) measured {
		e.declareSale(k.sale)
		return metric.WithAttributeSet(attribute.NewSet(saleAttr(k.sale), causeAttr(k.cause)))
	}
	var err error
	e.refused, err = z.counter(m, "boxoffice.joins.refused",
		"Joins of a queue refused at its door, by sale and cause: challenge (a proof of work missing, wrong, forged, expired or spent), quota (the address took its tokens this minute), code (a presale join without a valid access code).")
	return e, err
}

// declareSale makes a sale's refusals of every cause show, at zero until counted.
func (e *entryInstruments) declareSale(sale core.SaleID) {
	if _, done := e.declared.LoadOrStore(sale, true); done {
		return
	}
	for _, c := range entry.Causes() {
		e.refused.zero.declare(saleAttr(sale), causeAttr(c))
	}
}

func causeAttr(c entry.Cause) attribute.KeyValue { return attribute.String("cause", c.String()) }

// Entry is what the queues' door reports its refusals to.
func (m *Metrics) Entry() entry.Observer { return entryObserver{m.entry} }

type entryObserver struct{ i *entryInstruments }

func (o entryObserver) Refused(sale core.SaleID, why entry.Cause) {
	o.i.refused.Add(context.Background(), 1, o.i.byCause.of(saleCause{sale, why}))
}
