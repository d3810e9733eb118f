package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Webhooks implements webhook.Store over the outbox the other ports append to under the same
// lock as the change each event reports.
type Webhooks struct{ *state }

// outbox is the events in the order they happened, and the endpoints that hear them.
type outbox struct {
	events    []webhook.Event
	eventAt   map[core.ID]int // index in events
	endpoints map[core.ID]*endpointState
	added     []core.ID // endpoints, oldest first
	soldSeats map[perfKey]int
}

// endpointState is an endpoint with how far it is: events before handled are delivered, given
// up on, or not for it.
type endpointState struct {
	webhook.Endpoint
	removed    bool
	handled    int
	deliveries map[core.ID]*webhook.Delivery
	retried    []int // the events, by index and in order, whose failed delivery an operator retried
}

// settle records that the event at index i is handled: delivered, or given up on.
func (ep *endpointState) settle(i int) {
	ep.handled = max(ep.handled, i+1)
	if j, found := slices.BinarySearch(ep.retried, i); found {
		ep.retried = slices.Delete(ep.retried, j, j+1)
	}
}

func newOutbox() outbox {
	return outbox{eventAt: map[core.ID]int{}, endpoints: map[core.ID]*endpointState{}, soldSeats: map[perfKey]int{}}
}

// publish appends an event to the outbox; s.mu is held, by the change it reports.
func (s *state) publish(e webhook.Event) {
	s.outbox.eventAt[e.ID] = len(s.outbox.events)
	s.outbox.events = append(s.outbox.events, e)
}

// AddEndpoint implements webhook.Store.
func (s *Webhooks) AddEndpoint(_ context.Context, ep webhook.Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep.Events = slices.Clone(ep.Events)
	s.outbox.endpoints[ep.ID] = &endpointState{Endpoint: ep, handled: len(s.outbox.events), deliveries: map[core.ID]*webhook.Delivery{}}
	s.outbox.added = append(s.outbox.added, ep.ID)
	return nil
}

// endpoint is a live endpoint's state; s.mu is held.
func (s *state) endpoint(id core.ID) (*endpointState, error) {
	ep, ok := s.outbox.endpoints[id]
	if !ok || ep.removed {
		return nil, webhook.ErrUnknownEndpoint
	}
	return ep, nil
}

// Endpoint implements webhook.Store.
func (s *Webhooks) Endpoint(_ context.Context, id core.ID) (webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(id)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	return ep.Endpoint, nil
}

// Endpoints implements webhook.Store.
func (s *Webhooks) Endpoints(context.Context) ([]webhook.Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []webhook.Endpoint
	for _, id := range s.outbox.added {
		if ep := s.outbox.endpoints[id]; !ep.removed {
			out = append(out, ep.Endpoint)
		}
	}
	return out, nil
}

// RemoveEndpoint implements webhook.Store.
func (s *Webhooks) RemoveEndpoint(_ context.Context, id core.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(id)
	if err != nil {
		return err
	}
	ep.removed = true
	return nil
}

// Pending implements webhook.Store: retries first, then the events after handled it hears.
func (s *Webhooks) Pending(_ context.Context, endpoint core.ID, limit int) ([]webhook.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(endpoint)
	if err != nil {
		return nil, err
	}
	var out []webhook.Event
	for _, i := range ep.retried[:min(limit, len(ep.retried))] {
		out = append(out, s.outbox.events[i])
	}
	for ep.handled < len(s.outbox.events) && !ep.Hears(s.outbox.events[ep.handled]) {
		ep.handled++ // nothing to deliver: passed over once and for all
	}
	for _, e := range s.outbox.events[ep.handled:] {
		if len(out) == limit {
			break
		}
		if ep.Hears(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// delivery is the endpoint's delivery of an event, created untried; s.mu is held.
func (s *state) delivery(ep *endpointState, event core.ID) (*webhook.Delivery, int, bool) {
	i, ok := s.outbox.eventAt[event]
	if !ok {
		return nil, 0, false
	}
	d, ok := ep.deliveries[event]
	if !ok {
		d = &webhook.Delivery{EventID: event, Type: s.outbox.events[i].Type, Status: webhook.Pending}
		ep.deliveries[event] = d
	}
	return d, i, true
}

// Record implements webhook.Store.
func (s *Webhooks) Record(_ context.Context, endpoint core.ID, a webhook.Attempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(endpoint)
	if err != nil {
		return err
	}
	d, i, ok := s.delivery(ep, a.EventID)
	if !ok {
		return webhook.ErrUnknownDelivery
	}
	d.Attempts++
	d.LastCode, d.Status, d.NextAttempt = a.Code, a.Status, time.Time{}
	if a.Status == webhook.Pending {
		d.NextAttempt = a.NextAttempt
	}
	if a.Status != webhook.Pending {
		ep.settle(i)
	}
	return nil
}

// GiveUp implements webhook.Store.
func (s *Webhooks) GiveUp(_ context.Context, endpoint, event core.ID, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(endpoint)
	if err != nil {
		return err
	}
	d, i, ok := s.delivery(ep, event)
	if !ok {
		return webhook.ErrUnknownDelivery
	}
	d.Status, d.NextAttempt = webhook.Failed, time.Time{}
	ep.settle(i)
	return nil
}

// Deliveries implements webhook.Store.
func (s *Webhooks) Deliveries(_ context.Context, endpoint core.ID, limit int) ([]webhook.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(endpoint)
	if err != nil {
		return nil, err
	}
	var out []webhook.Delivery
	for i := len(s.outbox.events) - 1; i >= 0 && len(out) < limit; i-- {
		e := s.outbox.events[i]
		if d, ok := ep.deliveries[e.ID]; ok {
			out = append(out, *d)
		} else if i >= ep.handled && ep.Hears(e) {
			out = append(out, webhook.Delivery{EventID: e.ID, Type: e.Type, Status: webhook.Pending})
		}
	}
	return out, nil
}

// Retry implements webhook.Store.
func (s *Webhooks) Retry(_ context.Context, endpoint, event core.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep, err := s.endpoint(endpoint)
	if err != nil {
		return err
	}
	d, ok := ep.deliveries[event]
	switch {
	case !ok:
		return webhook.ErrUnknownDelivery
	case d.Status != webhook.Failed:
		return webhook.ErrNotFailed
	}
	d.Status = webhook.Pending
	i := s.outbox.eventAt[event]
	if j, found := slices.BinarySearch(ep.retried, i); !found {
		ep.retried = slices.Insert(ep.retried, j, i)
	}
	return nil
}

var _ webhook.Store = (*Webhooks)(nil)

// OldestPending implements webhook.Store.
func (s *Webhooks) OldestPending(context.Context) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest time.Time
	older := func(at time.Time) {
		if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
	}
	for _, ep := range s.outbox.endpoints {
		if ep.removed {
			continue
		}
		if len(ep.retried) > 0 {
			older(s.outbox.events[ep.retried[0]].At)
		}
		for _, e := range s.outbox.events[ep.handled:] {
			if ep.Hears(e) {
				older(e.At)
				break
			}
		}
	}
	return oldest, nil
}
