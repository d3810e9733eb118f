package waitlist

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Gate lets fans at the waitlist: any live token of the sale, waiting or admitted. The queue's
// Entrance is one.
type Gate interface {
	Queued(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)
}

// Offers tell what a sale offers; the catalog's store is one.
type Offers interface {
	Offer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error)
}

// OfferTimers start the timers of offers the stores made; booking's is one.
type OfferTimers interface {
	StartOffers(ctx context.Context) error
}

// DefaultOfferTTL is how long an offer is held when the operator sets none.
const DefaultOfferTTL = 10 * time.Minute

// Ports are what the waitlist needs.
type Ports struct {
	Store Store
	// Lines count the places in line; nil reads them from the Store.
	Lines  Lines
	Gate   Gate
	Offers Offers
	Timers OfferTimers
	Clock  core.Clock
}

// Waitlist is where fans join, read and leave the waitlists of their sale.
type Waitlist struct {
	store    Store
	lines    Lines
	gate     Gate
	offers   Offers
	timers   OfferTimers
	clock    core.Clock
	offerTTL time.Duration
}

// New checks the ports and builds the waitlist, whose offers are held for offerTTL (zero:
// DefaultOfferTTL).
func New(p Ports, offerTTL time.Duration) (*Waitlist, error) {
	if p.Store == nil || p.Gate == nil || p.Offers == nil || p.Timers == nil || p.Clock == nil {
		return nil, errors.New("waitlist: store, gate, offers, timers and clock must be set")
	}
	if offerTTL == 0 {
		offerTTL = DefaultOfferTTL
	}
	if offerTTL < 0 {
		return nil, errors.New("waitlist: the offer's time must be positive")
	}
	if p.Lines == nil {
		p.Lines = p.Store
	}
	return &Waitlist{store: p.Store, lines: p.Lines, gate: p.Gate, offers: p.Offers, timers: p.Timers, clock: p.Clock, offerTTL: offerTTL}, nil
}

// JoinRequest is what a fan asks for: a date, how many seats, optionally a section.
type JoinRequest struct {
	Date     string
	Quantity int
	Section  string
}

// Join puts the caller on the waitlist of a date of their sale. Errors: the date, quantity or
// section not of the sale (*core.InvalidFieldError), the sale closed or the date cancelled (the
// catalog's errors), ErrAlreadyWaiting, *SeatsAvailableError.
func (w *Waitlist) Join(ctx context.Context, caller core.Caller, r JoinRequest) (Entry, error) {
	user, sale, err := w.gate.Queued(ctx, caller)
	if err != nil {
		return Entry{}, err
	}
	now := w.clock.Now()
	d, err := catalog.SaleDate(r.Date, now)
	if err != nil {
		return Entry{}, err
	}
	offer, err := w.offers.Offer(ctx, sale, d)
	if err != nil {
		return Entry{}, err
	}
	if err := catalog.CheckHoldable(offer.Sale.State); err != nil {
		return Entry{}, err
	}
	if err := offer.Performance.CheckOn(); err != nil {
		return Entry{}, err
	}
	if r.Quantity < 1 || r.Quantity > offer.Sale.MaxTicketsPerFan {
		return Entry{}, core.InvalidField("quantity", "must be 1 to %d, the sale's limit per fan", offer.Sale.MaxTicketsPerFan)
	}
	seats := offer.Performance.Seats()
	if r.Section != "" {
		sec, ok := offer.Performance.Section(r.Section)
		if !ok {
			return Entry{}, core.InvalidField("section", "%q is not a section of %s", r.Section, d)
		}
		seats = sec.LastSeat - sec.FirstSeat + 1
	}
	if r.Quantity > seats {
		return Entry{}, core.InvalidField("quantity", "%d seats are more than the %d of that kind %s has: no offer could ever be made", r.Quantity, seats, d)
	}
	e, err := w.store.JoinWaitlist(ctx, Entry{
		ID: core.NewID(), SaleID: sale, UserID: user, Date: d, Quantity: r.Quantity, Section: r.Section, Status: Waiting,
		JoinedAt: now, OfferTTL: w.offerTTL,
	}, now)
	if err != nil {
		return Entry{}, err
	}
	// Counted from the copy of the line, as every poll is (a join rush reads the line once a
	// second, not once a join): those who joined ahead within its age count from the next read.
	return w.placed(ctx, w.lines, e)
}

// placed is e with its position, counted from lines, if it waits.
func (w *Waitlist) placed(ctx context.Context, lines Lines, e Entry) (Entry, error) {
	if e.Status != Waiting {
		return e, nil
	}
	seqs, err := lines.WaitingSeqs(ctx, e.SaleID, e.Date)
	if err != nil {
		return Entry{}, err
	}
	e.Position, _ = slices.BinarySearch(seqs, e.Seq)
	return e, nil
}

// Entries lists the caller's entries in their sale, whatever their status.
func (w *Waitlist) Entries(ctx context.Context, caller core.Caller) ([]Entry, error) {
	user, sale, err := w.gate.Queued(ctx, caller)
	if err != nil {
		return nil, err
	}
	entries, err := w.store.WaitlistEntries(ctx, sale, user)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		if entries[i], err = w.placed(ctx, w.lines, e); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// Leave ends the caller's entry; an open offer is released and passes on at once.
func (w *Waitlist) Leave(ctx context.Context, caller core.Caller, rawID string) error {
	id, err := core.ParseID("waitlist_id", rawID)
	if err != nil {
		return err
	}
	user, _, err := w.gate.Queued(ctx, caller)
	if err != nil {
		return err
	}
	if err := w.store.LeaveWaitlist(ctx, id, user); err != nil {
		return err
	}
	// The seats it gave back may have gone to the next entry: its offer's timer starts now, or
	// with the sweep's next round if this fails; the fan has left either way.
	_ = w.timers.StartOffers(ctx)
	return nil
}

// Counts are every sale's entries by status: how long each waitlist is, and what became of its
// offers, for metrics.
func (w *Waitlist) Counts(ctx context.Context) (map[core.SaleID]map[Status]int, error) {
	return w.store.WaitlistCounts(ctx)
}
