package memory

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Waitlists implements waitlist.Store; the offers are made by offerReturnedSeats, under the
// lock of whatever returned the seats, once it has returned them all.
type Waitlists struct{ *state }

var _ waitlist.Store = (*Waitlists)(nil)

// lines are every waitlist: entries in the order they joined, and the offers made.
type lines struct {
	entries map[core.ID]*waitlist.Entry
	joined  []core.ID           // every entry, in the order it joined
	byOrder map[core.ID]core.ID // an offer's order → its entry
	untimed []core.ID           // offers' orders whose lifecycle has not started, oldest first
}

func newLines() lines {
	return lines{entries: map[core.ID]*waitlist.Entry{}, byOrder: map[core.ID]core.ID{}}
}

// JoinWaitlist implements waitlist.Store.
func (s *Waitlists) JoinWaitlist(_ context.Context, e waitlist.Entry, now time.Time) (waitlist.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.lines.joined {
		if o := s.lines.entries[id]; o.SaleID == e.SaleID && o.Date == e.Date && o.UserID == e.UserID && (o.Status == waitlist.Waiting || o.Status == waitlist.Offered) {
			return waitlist.Entry{}, waitlist.ErrAlreadyWaiting
		}
	}
	if free := s.freeSeats(e, now); len(free) >= e.Quantity {
		return waitlist.Entry{}, &waitlist.SeatsAvailableError{Available: len(free)}
	}
	stored := e
	stored.Seq = int64(len(s.lines.joined) + 1)
	s.lines.entries[e.ID] = &stored
	s.lines.joined = append(s.lines.joined, e.ID)
	return stored, nil
}

// freeSeats are the seats of an entry's date and kind a hold would find free at now, in seat
// order (directlyHoldable).
func (s *state) freeSeats(e waitlist.Entry, now time.Time) []int {
	p, ok := s.performances[perfKey{e.SaleID, e.Date}]
	if !ok {
		return nil
	}
	return s.seatsOfKind(e, p, func(claim *catalog.Claim) bool { return s.directlyHoldable(claim, e.SaleID, e.Date, now) })
}

// seatsOfKind are the seats of p, of e's kind, that free says are free, in seat order; s.mu is
// held.
func (s *state) seatsOfKind(e waitlist.Entry, p *catalog.Performance, free func(*catalog.Claim) bool) []int {
	var out []int
	for n := catalog.FirstSeat; n <= p.Seats(); n++ {
		sec, _ := p.SectionOf(n)
		if claim := s.seats[seatKey{e.SaleID, e.Date, n}]; e.Wants(sec.Name) && free(claim) {
			out = append(out, n)
		}
	}
	return out
}

// available is a seat that came back, not merely lapsed, as offer_to_waitlist reads seats_free.
func available(claim *catalog.Claim) bool { return claim.Holder == "" && !claim.Sold }

// WaitlistEntries implements waitlist.Store.
func (s *Waitlists) WaitlistEntries(_ context.Context, sale core.SaleID, user core.UserID) ([]waitlist.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []waitlist.Entry
	for _, id := range s.lines.joined {
		if e := s.lines.entries[id]; e.SaleID == sale && e.UserID == user {
			out = append(out, *e)
		}
	}
	return out, nil
}

// LeaveWaitlist implements waitlist.Store.
func (s *Waitlists) LeaveWaitlist(_ context.Context, id core.ID, user core.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.lines.entries[id]
	if !ok || e.UserID != user {
		return waitlist.ErrUnknownEntry
	}
	switch e.Status {
	case waitlist.Claimed, waitlist.Expired:
		return waitlist.ErrEntryEnded
	case waitlist.Waiting:
		e.Status = waitlist.Left
	case waitlist.Offered:
		e.Status = waitlist.Left
		// Its seats go on to the next entry, unless a payment of it is under way: that one
		// claims the entry if it goes through, and the order's lifecycle releases it if not.
		if o, ok := s.order(e.OrderID); ok && !o.AwaitsPayment(s.clock.Now(), time.Time{}) {
			s.releaseOrder(e.OrderID)
		}
	}
	return nil
}

// offerEnded hears that r was released unpaid: the waitlist offer it was part of, if any, has
// expired; s.mu is held.
func (s *state) offerEnded(r *booking.Reservation) {
	if id, ok := s.lines.byOrder[r.OrderID]; ok && r.OrderID != "" {
		if e := s.lines.entries[id]; e.Status == waitlist.Offered {
			e.Status = waitlist.Expired
		}
	}
}

// offerReturnedSeats offers the free seats of a date to its waiting entries, first come first
// served, each to the first entry they satisfy (waitlist.Entry.Offerable), as PostgreSQL's
// offer_to_waitlist does; s.mu is held.
func (s *state) offerReturnedSeats(sale core.SaleID, d core.Date) {
	sl, p := s.sales[sale], s.performances[perfKey{sale, d}]
	if sl == nil || p == nil || sl.State != core.OnSale || p.Cancelled() {
		return
	}
	now := s.clock.Now()
	for _, id := range s.lines.joined {
		e := s.lines.entries[id]
		if e.SaleID != sale || e.Date != d || e.Status != waitlist.Waiting {
			continue
		}
		free := s.seatsOfKind(*e, p, available)
		if len(free) == 0 && e.Section == "" {
			return // no seat is free: nobody behind gets one
		}
		ok, skip := e.Offerable(len(free), s.ticketCount(sale, e.UserID, now), sl.MaxTicketsPerFan)
		if skip {
			e.Status = waitlist.Expired
		}
		if ok {
			s.offer(e, *p, free[:e.Quantity], sl.MaxTicketsPerFan, now)
		}
	}
}

// offer holds seats for the entry's fan as an order until the offer expires, and announces it.
func (s *state) offer(e *waitlist.Entry, p catalog.Performance, seats []int, limit int, now time.Time) {
	o := booking.Order{ID: core.NewID(), UserID: e.UserID, SaleID: e.SaleID, Date: e.Date, HeldUntil: now.Add(e.OfferTTL), CreatedAt: now, WaitlistID: e.ID}
	ids := make([]core.ID, len(seats))
	for i := range ids {
		ids[i] = core.NewID()
	}
	tickets := booking.OrderAttempt{Order: o, IDs: ids}.Tickets(seats, p)
	stored := storedOrder{order: o}
	for i := range tickets {
		tickets[i].FanLimit = limit
		s.take(s.seats[seatKey{o.SaleID, o.Date, tickets[i].Seat}], tickets[i])
		stored.tickets = append(stored.tickets, tickets[i].ID)
	}
	s.orders[o.ID] = &stored
	e.Status, e.OrderID, e.OfferExpires = waitlist.Offered, o.ID, o.HeldUntil
	s.lines.byOrder[o.ID] = e.ID
	s.lines.untimed = append(s.lines.untimed, o.ID)
	s.publish(webhook.WaitlistOfferedEvent(*e, now))
}

// claimOffer marks the entry of a paid offer claimed; s.mu is held, by the settlement.
func (s *state) claimOffer(order core.ID) {
	if id, ok := s.lines.byOrder[order]; ok && order != "" {
		if e := s.lines.entries[id]; e.Status == waitlist.Offered || e.Status == waitlist.Left { // paid as its fan left
			e.Status = waitlist.Claimed
		}
	}
}

// UntimedOffers implements booking.Orders.
func (s *Orders) UntimedOffers(_ context.Context, limit int) ([]core.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lines.untimed[:min(limit, len(s.lines.untimed))]), nil
}

// OfferTimed implements booking.Orders.
func (s *Orders) OfferTimed(_ context.Context, order core.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines.untimed = slices.DeleteFunc(s.lines.untimed, func(id core.ID) bool { return id == order })
	return nil
}

// WaitlistCounts implements waitlist.Store.
func (s *Waitlists) WaitlistCounts(context.Context) (map[core.SaleID]map[waitlist.Status]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[core.SaleID]map[waitlist.Status]int{}
	for _, e := range s.lines.entries {
		if out[e.SaleID] == nil {
			out[e.SaleID] = map[waitlist.Status]int{}
		}
		out[e.SaleID][e.Status]++
	}
	return out, nil
}

// expireWaiting ends a cancelled date's waiting entries: nothing will come back to offer; s.mu
// is held.
func (s *state) expireWaiting(sale core.SaleID, d core.Date) {
	for _, e := range s.lines.entries {
		if e.SaleID == sale && e.Date == d && e.Status == waitlist.Waiting {
			e.Status = waitlist.Expired
		}
	}
}

// directlyHoldable reports whether a direct hold may take a seat at now: it is available, or held past
// its claim (catalog.Claim.AvailableAt) while nobody waits for its date, as waitlist_waits
// decides on PostgreSQL; a lapsed hold's seat is the waitlist's once its release runs; s.mu is
// held.
func (s *state) directlyHoldable(claim *catalog.Claim, sale core.SaleID, d core.Date, now time.Time) bool {
	if !claim.AvailableAt(now) {
		return false
	}
	if claim.Holder == "" || claim.Sold {
		return true
	}
	for _, e := range s.lines.entries {
		if e.SaleID == sale && e.Date == d && e.Status == waitlist.Waiting {
			return false
		}
	}
	return true
}

// WaitingSeqs implements waitlist.Lines.
func (s *Waitlists) WaitingSeqs(_ context.Context, sale core.SaleID, d core.Date) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var seqs []int64
	for _, id := range s.lines.joined {
		if e := s.lines.entries[id]; e.SaleID == sale && e.Date == d && e.Status == waitlist.Waiting {
			seqs = append(seqs, e.Seq)
		}
	}
	return seqs, nil
}
