package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Webhooks implements webhook.Store over the outbox (events), which the other stores write in
// the transactions of the changes the events report, and the endpoints' positions in it.
type Webhooks struct{ *db }

var _ webhook.Store = (*Webhooks)(nil)

// publish writes an event to the outbox in the transaction of q.
func publish(ctx context.Context, q *sqlcdb.Queries, e webhook.Event) error {
	return q.EventInsert(ctx, sqlcdb.EventInsertParams{
		ID: string(e.ID), EventType: string(e.Type), SaleID: string(e.SaleID), Data: string(e.Data), CreatedAt: e.At,
	})
}

// AddEndpoint implements webhook.Store.
func (s *Webhooks) AddEndpoint(ctx context.Context, ep webhook.Endpoint) error {
	return s.q.EndpointInsert(ctx, sqlcdb.EndpointInsertParams{
		ID: string(ep.ID), Url: ep.URL, Events: eventTypeNames(ep.Events), SaleID: optional(string(ep.SaleID)),
		Secret: string(ep.Secret), CreatedAt: ep.CreatedAt,
	})
}

func eventTypeNames(types []webhook.EventType) []string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return names
}

// endpointRow is an endpoint as stored, with its position: every event up to (doneTx,
// doneSeq) is handled or not for it.
type endpointRow struct {
	webhook.Endpoint
	doneTx, doneSeq int64
}

func endpointFromRow(r sqlcdb.EndpointByIDRow) (endpointRow, error) {
	ep := webhook.Endpoint{ID: core.ID(r.ID), URL: r.Url, Secret: webhook.Secret(r.Secret), CreatedAt: r.CreatedAt.UTC()}
	for _, name := range r.Events {
		t, err := webhook.ParseEventType("events", name)
		if err != nil {
			return endpointRow{}, fmt.Errorf("endpoint %s: %w", r.ID, err)
		}
		ep.Events = append(ep.Events, t)
	}
	if r.SaleID != nil {
		ep.SaleID = core.SaleID(*r.SaleID)
	}
	return endpointRow{Endpoint: ep, doneTx: r.DoneTx, doneSeq: r.DoneSeq}, nil
}

func (s *Webhooks) endpoint(ctx context.Context, id core.ID) (endpointRow, error) {
	row, err := s.q.EndpointByID(ctx, string(id))
	if err != nil {
		return endpointRow{}, notFound(err, webhook.ErrUnknownEndpoint)
	}
	return endpointFromRow(row)
}

// Endpoint implements webhook.Store.
func (s *Webhooks) Endpoint(ctx context.Context, id core.ID) (webhook.Endpoint, error) {
	ep, err := s.endpoint(ctx, id)
	return ep.Endpoint, err
}

// Endpoints implements webhook.Store.
func (s *Webhooks) Endpoints(ctx context.Context) ([]webhook.Endpoint, error) {
	rows, err := s.q.EndpointList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]webhook.Endpoint, len(rows))
	for i, r := range rows {
		ep, err := endpointFromRow(sqlcdb.EndpointByIDRow(r))
		if err != nil {
			return nil, err
		}
		out[i] = ep.Endpoint
	}
	return out, nil
}

// RemoveEndpoint implements webhook.Store.
func (s *Webhooks) RemoveEndpoint(ctx context.Context, id core.ID) error {
	n, err := s.q.EndpointRemove(ctx, string(id))
	if err == nil && n == 0 {
		return webhook.ErrUnknownEndpoint
	}
	return err
}

// scanned is how many events after its position Pending reads at once, whether the endpoint
// hears them or not.
const scanned = 500

// Pending implements webhook.Store: the retried events, then the events after the endpoint's
// position that it hears. When it hears none of those it reads, it moves past them.
func (s *Webhooks) Pending(ctx context.Context, endpoint core.ID, limit int) ([]webhook.Event, error) {
	ep, err := s.endpoint(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	retried, err := s.q.EventsRetried(ctx, sqlcdb.EventsRetriedParams{EndpointID: string(endpoint), MaxEvents: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]webhook.Event, 0, len(retried))
	for _, r := range retried {
		out = append(out, eventFromRow(r))
	}
	if len(out) == limit { // the retried ones fill the batch: the new ones wait, unread
		return out, nil
	}
	rows, err := s.q.EventsAfter(ctx, sqlcdb.EventsAfterParams{AfterTx: ep.doneTx, AfterSeq: ep.doneSeq, MaxEvents: scanned})
	if err != nil {
		return nil, err
	}
	heard := 0
	for _, r := range rows {
		if e := eventFromRow(r); ep.Hears(e) {
			heard++
			if len(out) < limit {
				out = append(out, e)
			}
		}
	}
	if heard == 0 && len(rows) > 0 { // none of those read is for it: it moves past them
		last := rows[len(rows)-1]
		err = s.q.EndpointPassOver(ctx, sqlcdb.EndpointPassOverParams{ID: string(endpoint), DoneTx: last.Tx, DoneSeq: last.Seq})
	}
	return out, err
}

func eventFromRow(r sqlcdb.Event) webhook.Event {
	return webhook.Event{ID: core.ID(r.ID), Type: webhook.EventType(r.Type), SaleID: core.SaleID(r.SaleID), At: r.CreatedAt.UTC(), Data: r.Data}
}

// Record implements webhook.Store: the attempt, and the endpoint past the event once it is
// delivered, in one transaction.
func (s *Webhooks) Record(ctx context.Context, endpoint core.ID, a webhook.Attempt) error {
	if _, err := s.endpoint(ctx, endpoint); err != nil {
		return err
	}
	var next *time.Time
	if a.Status == webhook.Pending {
		next = &a.NextAttempt
	}
	return s.inTx(ctx, func(q *sqlcdb.Queries) error {
		n, err := q.DeliveryRecord(ctx, sqlcdb.DeliveryRecordParams{
			EndpointID: string(endpoint), EventID: string(a.EventID), Status: a.Status.String(), LastCode: int32(a.Code),
			NextAttempt: next, At: a.At,
		})
		switch {
		case err != nil:
			return err
		case n == 0:
			return webhook.ErrUnknownDelivery
		case a.Status == webhook.Pending:
			return nil
		}
		return q.EndpointPassEvent(ctx, sqlcdb.EndpointPassEventParams{EndpointID: string(endpoint), EventID: string(a.EventID)})
	})
}

// GiveUp implements webhook.Store.
func (s *Webhooks) GiveUp(ctx context.Context, endpoint, event core.ID, at time.Time) error {
	if _, err := s.endpoint(ctx, endpoint); err != nil {
		return err
	}
	return s.inTx(ctx, func(q *sqlcdb.Queries) error {
		n, err := q.DeliveryGiveUp(ctx, sqlcdb.DeliveryGiveUpParams{EndpointID: string(endpoint), EventID: string(event), At: at})
		switch {
		case err != nil:
			return err
		case n == 0:
			return webhook.ErrUnknownDelivery
		}
		return q.EndpointPassEvent(ctx, sqlcdb.EndpointPassEventParams{EndpointID: string(endpoint), EventID: string(event)})
	})
}

// Deliveries implements webhook.Store: the events due not tried yet, then those tried, each
// newest first.
func (s *Webhooks) Deliveries(ctx context.Context, endpoint core.ID, limit int) ([]webhook.Delivery, error) {
	ep, err := s.endpoint(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	untried, err := s.q.EventsUntried(ctx, sqlcdb.EventsUntriedParams{
		EndpointID: string(endpoint), AfterTx: ep.doneTx, AfterSeq: ep.doneSeq, Types: eventTypeNames(ep.Events),
		SaleID: optional(string(ep.SaleID)), MaxEvents: int32(limit),
	})
	if err != nil {
		return nil, err
	}
	out := make([]webhook.Delivery, 0, limit)
	for _, r := range untried {
		out = append(out, webhook.Delivery{EventID: core.ID(r.ID), Type: webhook.EventType(r.Type), Status: webhook.Pending})
	}
	tried, err := s.q.DeliveriesTried(ctx, sqlcdb.DeliveriesTriedParams{EndpointID: string(endpoint), MaxEvents: int32(limit - len(out))})
	if err != nil {
		return nil, err
	}
	for _, r := range tried {
		status, err := webhook.ParseDeliveryStatus(r.Status)
		if err != nil {
			return nil, err
		}
		d := webhook.Delivery{EventID: core.ID(r.EventID), Type: webhook.EventType(r.Type), Status: status, Attempts: int(r.Attempts), LastCode: int(r.LastCode)}
		if r.NextAttempt != nil {
			d.NextAttempt = r.NextAttempt.UTC()
		}
		out = append(out, d)
	}
	return out, nil
}

// Retry implements webhook.Store.
func (s *Webhooks) Retry(ctx context.Context, endpoint, event core.ID) error {
	was, err := s.q.DeliveryRetry(ctx, sqlcdb.DeliveryRetryParams{EndpointID: string(endpoint), EventID: string(event)})
	switch {
	case noRows(err):
		return webhook.ErrUnknownDelivery
	case err != nil:
		return err
	case was != webhook.Failed.String():
		return webhook.ErrNotFailed
	}
	return nil
}

// OldestPending implements webhook.Store.
func (s *Webhooks) OldestPending(ctx context.Context) (time.Time, error) {
	row, err := s.q.WebhooksOldestPending(ctx)
	if err != nil || !row.Waits {
		return time.Time{}, err
	}
	return row.Oldest.UTC(), nil
}
