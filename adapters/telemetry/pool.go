package telemetry

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ObservePool exports the database pool's statistics (pgxpool.Stat, a copy of its counters:
// no query).
func (m *Metrics) ObservePool(pool *pgxpool.Pool) error {
	errs := make([]error, 5)
	var conns, maxConns metric.Int64ObservableGauge
	var acquires, waited metric.Int64ObservableCounter
	var waitTime metric.Float64ObservableCounter
	conns, errs[0] = m.meter.Int64ObservableGauge("boxoffice.db.pool.connections", metric.WithDescription("The pool's connections, by state: acquired, idle, constructing."))
	maxConns, errs[1] = m.meter.Int64ObservableGauge("boxoffice.db.pool.max_connections", metric.WithDescription("The most connections the pool opens."))
	acquires, errs[2] = m.meter.Int64ObservableCounter("boxoffice.db.pool.acquires", metric.WithDescription("Connections acquired from the pool."))
	waited, errs[3] = m.meter.Int64ObservableCounter("boxoffice.db.pool.waited_acquires", metric.WithDescription("Acquires that had to wait for a connection: the pool was exhausted."))
	waitTime, errs[4] = m.meter.Float64ObservableCounter("boxoffice.db.pool.acquire_wait", metric.WithUnit("s"), metric.WithDescription("Time acquires spent waiting for a connection."))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	state := func(s string) metric.ObserveOption {
		return metric.WithAttributeSet(attribute.NewSet(attribute.String("state", s)))
	}
	_, err := m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := pool.Stat()
		o.ObserveInt64(conns, int64(s.AcquiredConns()), state("acquired"))
		o.ObserveInt64(conns, int64(s.IdleConns()), state("idle"))
		o.ObserveInt64(conns, int64(s.ConstructingConns()), state("constructing"))
		o.ObserveInt64(maxConns, int64(s.MaxConns()))
		o.ObserveInt64(acquires, s.AcquireCount())
		o.ObserveInt64(waited, s.EmptyAcquireCount())
		o.ObserveFloat64(waitTime, s.EmptyAcquireWaitTime().Seconds())
		return nil
	}, conns, maxConns, acquires, waited, waitTime)
	return err
}
