package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/waitlist"
)

// Waitlists implements waitlist.Store. The offers are made by the trigger
// seats_offer_returned_at_commit (sql/functions/waitlist.sql), when a transaction that returned
// seats commits, in that transaction.
type Waitlists struct{ *db }

var _ waitlist.Store = (*Waitlists)(nil)

// waitlistLockKey names a date's lock against the offers, as offer_to_waitlist takes it.
func waitlistLockKey(sale core.SaleID, d core.Date) string {
	return "waitlist/" + string(sale) + "/" + d.String()
}

// JoinWaitlist implements waitlist.Store under the date's lock.
func (s *Waitlists) JoinWaitlist(ctx context.Context, e waitlist.Entry, now time.Time) (waitlist.Entry, error) {
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		if err := q.WaitlistLockDate(ctx, waitlistLockKey(e.SaleID, e.Date)); err != nil {
			return err
		}
		waits, err := q.WaitlistFanWaits(ctx, sqlcdb.WaitlistFanWaitsParams{SaleID: string(e.SaleID), PerfDate: e.Date.Time(), UserID: string(e.UserID)})
		if err != nil {
			return err
		}
		if waits {
			return waitlist.ErrAlreadyWaiting
		}
		free, err := q.WaitlistFreeSeats(ctx, sqlcdb.WaitlistFreeSeatsParams{SaleID: string(e.SaleID), PerfDate: e.Date.Time(), Section: optional(e.Section), Now: now})
		if err != nil {
			return err
		}
		if int(free) >= e.Quantity {
			return &waitlist.SeatsAvailableError{Available: int(free)}
		}
		return q.WaitlistInsert(ctx, sqlcdb.WaitlistInsertParams{
			ID: string(e.ID), SaleID: string(e.SaleID), PerfDate: e.Date.Time(), UserID: string(e.UserID), Quantity: int32(e.Quantity),
			Section: optional(e.Section), OfferTtlSeconds: e.OfferTTL.Seconds(), JoinedAt: e.JoinedAt,
		})
	})
	if isUniqueViolation(err, "waitlist_one_per_fan_and_date") {
		return waitlist.Entry{}, waitlist.ErrAlreadyWaiting
	}
	if err != nil {
		return waitlist.Entry{}, err
	}
	entries, err := s.WaitlistEntries(ctx, e.SaleID, e.UserID)
	for _, got := range entries {
		if got.ID == e.ID {
			return got, nil
		}
	}
	return e, err
}

// WaitlistEntries implements waitlist.Store.
func (s *Waitlists) WaitlistEntries(ctx context.Context, sale core.SaleID, user core.UserID) ([]waitlist.Entry, error) {
	rows, err := s.q.WaitlistOfFan(ctx, sqlcdb.WaitlistOfFanParams{SaleID: string(sale), UserID: string(user)})
	if err != nil {
		return nil, err
	}
	out := make([]waitlist.Entry, len(rows))
	for i, r := range rows {
		status, err := waitlist.ParseStatus(r.Status)
		if err != nil {
			return nil, err
		}
		e := waitlist.Entry{
			ID: core.ID(r.ID), SaleID: core.SaleID(r.SaleID), UserID: core.UserID(r.UserID), Date: core.DateOf(r.PerfDate), Quantity: int(r.Quantity),
			Status: status, Seq: r.Seq, JoinedAt: r.JoinedAt.UTC(), OfferTTL: time.Duration(r.OfferTtlSeconds * float64(time.Second)),
		}
		if r.Section != nil {
			e.Section = *r.Section
		}
		if r.OrderID != nil {
			e.OrderID = core.ID(*r.OrderID)
		}
		if r.OfferExpires != nil {
			e.OfferExpires = r.OfferExpires.UTC()
		}
		out[i] = e
	}
	return out, nil
}

// LeaveWaitlist implements waitlist.Store: the entry left in one transaction, then an open
// offer's order released unless its payment is under way, whose seats' trigger offers them on
// (a crash between the two leaves the order to its workflow, which releases it at its expiry).
func (s *Waitlists) LeaveWaitlist(ctx context.Context, id core.ID, user core.UserID) error {
	var offer *string
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		row, err := q.WaitlistLock(ctx, string(id))
		switch {
		case err != nil:
			return notFound(err, waitlist.ErrUnknownEntry)
		case core.UserID(row.UserID) != user:
			return waitlist.ErrUnknownEntry // another fan's reads as unknown
		case row.Status == waitlist.Claimed.String() || row.Status == waitlist.Expired.String():
			return waitlist.ErrEntryEnded
		}
		if row.Status == waitlist.Offered.String() {
			offer = row.OrderID
		}
		return q.WaitlistLeave(ctx, string(id))
	})
	if err != nil || offer == nil {
		return err
	}
	// Its seats go on to the next entry, unless a payment of it is under way: that one claims
	// the entry if it goes through (WaitlistClaim), and the order's workflow releases it if not.
	_, _, err = (&Orders{s.db}).ReleaseOrderUnlessAwaitingPayment(ctx, core.ID(*offer), time.Now(), time.Time{})
	return err
}

// UntimedOffers implements booking.Orders.
func (s *Orders) UntimedOffers(ctx context.Context, limit int) ([]core.ID, error) {
	ids, err := s.q.OffersUntimed(ctx, int32(limit))
	out := make([]core.ID, len(ids))
	for i, id := range ids {
		out[i] = core.ID(id)
	}
	return out, err
}

// OfferTimed implements booking.Orders.
func (s *Orders) OfferTimed(ctx context.Context, order core.ID) error {
	o := string(order)
	return s.q.OfferTimed(ctx, &o)
}

// WaitlistCounts implements waitlist.Store.
func (s *Waitlists) WaitlistCounts(ctx context.Context) (map[core.SaleID]map[waitlist.Status]int, error) {
	rows, err := s.q.WaitlistCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := map[core.SaleID]map[waitlist.Status]int{}
	for _, r := range rows {
		st, err := waitlist.ParseStatus(r.Status)
		if err != nil {
			return nil, err
		}
		if out[core.SaleID(r.SaleID)] == nil {
			out[core.SaleID(r.SaleID)] = map[waitlist.Status]int{}
		}
		out[core.SaleID(r.SaleID)][st] = int(r.Entries)
	}
	return out, nil
}

// WaitingSeqs implements waitlist.Lines.
func (s *Waitlists) WaitingSeqs(ctx context.Context, sale core.SaleID, d core.Date) ([]int64, error) {
	return s.q.WaitlistWaitingSeqs(ctx, sqlcdb.WaitlistWaitingSeqsParams{SaleID: string(sale), PerfDate: d.Time()})
}
