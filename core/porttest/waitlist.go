package porttest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// offerTTL is how long the clauses' offers are held.
const offerTTL = 10 * time.Minute

// join puts user on the waitlist of p for quantity seats (of section, if any) at now.
func join(s Stores, user core.UserID, p catalog.Performance, quantity int, section string, now time.Time) (waitlist.Entry, error) {
	return s.Waitlists.JoinWaitlist(ctx, waitlist.Entry{
		ID: core.NewID(), SaleID: p.SaleID, UserID: user, Date: p.Date, Quantity: quantity, Section: section, Status: waitlist.Waiting,
		JoinedAt: now, OfferTTL: offerTTL,
	}, now)
}

// entryOf is user's one entry in the test sale.
func entryOf(t *testing.T, s Stores, user core.UserID) waitlist.Entry {
	t.Helper()
	entries := must[[]waitlist.Entry](t)(s.Waitlists.WaitlistEntries(ctx, testSale, user))
	if len(entries) != 1 {
		t.Fatalf("%s has %d entries, want 1", user, len(entries))
	}
	return entries[0]
}

// placeOf is how many of e's date's waiting entries are ahead of it in the store's line
// (WaitingSeqs, by Seq), as a fan's position counts them.
func placeOf(t *testing.T, s Stores, e waitlist.Entry) int {
	t.Helper()
	seqs := must[[]int64](t)(s.Waitlists.WaitingSeqs(ctx, e.SaleID, e.Date))
	if !slices.IsSorted(seqs) {
		t.Fatalf("the line %v is not in order", seqs)
	}
	n, _ := slices.BinarySearch(seqs, e.Seq)
	return n
}

// soldOutShow is a date of n seats, each held by fan holder-i from now for an hour.
func soldOutShow(t *testing.T, s Stores, date string, n int, now time.Time) (catalog.Performance, []booking.Reservation) {
	t.Helper()
	p := addShow(t, s, date, n)
	holds := make([]booking.Reservation, n)
	for i := range holds {
		holds[i] = must[booking.Reservation](t)(hold(t, s, core.UserID(fmt.Sprintf("holder-%d", i)), p, i+1, now, time.Hour))
	}
	return p, holds
}

// wantStatuses fails unless each user's entry is in the status given, and each waiting one at
// the position given.
func wantStatuses(t *testing.T, s Stores, want map[core.UserID]waitlist.Status, positions map[core.UserID]int) {
	t.Helper()
	for user, st := range want {
		if e := entryOf(t, s, user); e.Status != st {
			t.Errorf("%s's entry is %s, want %s", user, e.Status, st)
		} else if pos, ok := positions[user]; ok && placeOf(t, s, e) != pos {
			t.Errorf("%s waits at position %d, want %d", user, placeOf(t, s, e), pos)
		}
	}
}

// runWaitlist is the contract of the waitlists: joining only what is sold out, once; seats that
// come back offered in the transaction of their return to the first waiting entry they
// satisfy, as an order held for its fan; unpaid offers passed on, paid ones claimed; and exact
// first come, first served under racing releases, refunds and fans leaving.
func runWaitlist(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("a fan joins only what is sold out, once per date, and waits in line", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		p := addShow(t, s, "2030-07-01", 2)
		var avail *waitlist.SeatsAvailableError
		if _, err := join(s, "carol", p, 2, "", now); !errors.As(err, &avail) || avail.Available != 2 {
			t.Fatalf("joining with 2 seats free: %v, want *SeatsAvailableError of 2", err)
		}
		must[booking.Reservation](t)(hold(t, s, "alice", p, 1, now, time.Hour))
		if _, err := join(s, "carol", p, 1, "", now); !errors.As(err, &avail) {
			t.Fatalf("joining for 1 with 1 free: %v, want *SeatsAvailableError", err)
		}
		first := must[waitlist.Entry](t)(join(s, "carol", p, 2, "", now))
		if first.Status != waitlist.Waiting || placeOf(t, s, first) != 0 || first.Quantity != 2 {
			t.Fatalf("carol joined %+v, want waiting at position 0", first)
		}
		if _, err := join(s, "carol", p, 1, "", now); !errors.Is(err, waitlist.ErrAlreadyWaiting) {
			t.Fatalf("joining twice: %v, want ErrAlreadyWaiting", err)
		}
		if second := must[waitlist.Entry](t)(join(s, "dave", p, 2, "", now)); placeOf(t, s, second) != 1 || second.Seq <= first.Seq {
			t.Fatalf("dave joined at position %d (seq %d after %d), want 1", placeOf(t, s, second), second.Seq, first.Seq)
		}
		if err := s.Waitlists.LeaveWaitlist(ctx, first.ID, "dave"); !errors.Is(err, waitlist.ErrUnknownEntry) {
			t.Fatalf("dave leaving carol's entry: %v, want ErrUnknownEntry", err)
		}
		for range 2 { // leaving again changes nothing
			if err := s.Waitlists.LeaveWaitlist(ctx, first.ID, "carol"); err != nil {
				t.Fatal(err)
			}
		}
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"carol": waitlist.Left, "dave": waitlist.Waiting}, map[core.UserID]int{"dave": 0})
	})

	t.Run("a seat that comes back is offered at once to the first entry it satisfies", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		ep := listener(t, s, "", webhook.WaitlistOffered)
		p, holds := soldOutShow(t, s, "2030-07-01", 3, now)
		for _, w := range []struct {
			user core.UserID
			n    int
		}{{"carol", 2}, {"dave", 1}, {"erin", 1}} {
			must[waitlist.Entry](t)(join(s, w.user, p, w.n, "", now))
		}
		must[bool](t)(s.Bookings.ReleaseHold(ctx, holds[1].ID)) // seat 2: not enough for carol, so dave's
		dave := entryOf(t, s, "dave")
		if dave.Status != waitlist.Offered || dave.OrderID == "" {
			t.Fatalf("dave's entry %+v, want offered", dave)
		}
		offer := must[booking.Order](t)(s.Bookings.Order(ctx, dave.OrderID))
		if offer.WaitlistID != dave.ID || offer.UserID != "dave" || !slices.Equal(offer.Seats(), []int{2}) || offer.Tickets[0].Status != booking.Held ||
			offer.Tickets[0].Price != generalPrice || !offer.HeldUntil.Equal(dave.OfferExpires) || offer.HeldUntil.Sub(now) < offerTTL-time.Minute {
			t.Fatalf("dave's offer %+v, want seat 2 held for him for the offer's time", offer)
		}
		if _, err := hold(t, s, "mallory", p, 2, now, time.Hour); !errors.Is(err, booking.ErrSeatTaken) {
			t.Fatalf("a direct hold of the offered seat: %v, want ErrSeatTaken", err)
		}
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"carol": waitlist.Waiting, "erin": waitlist.Waiting}, map[core.UserID]int{"carol": 0, "erin": 1})
		untimed := must[[]core.ID](t)(s.Bookings.UntimedOffers(ctx, 10))
		if !slices.Equal(untimed, []core.ID{dave.OrderID}) {
			t.Fatalf("untimed offers %v, want dave's", untimed)
		}
		if err := s.Bookings.OfferTimed(ctx, dave.OrderID); err != nil {
			t.Fatal(err)
		}
		if untimed := must[[]core.ID](t)(s.Bookings.UntimedOffers(ctx, 10)); len(untimed) != 0 {
			t.Fatalf("untimed offers %v after timing, want none", untimed)
		}
		events := drain(t, s, ep, 1)
		if d := dataOf(t, events[0]); d["waitlist_id"] != string(dave.ID) || d["order_id"] != string(dave.OrderID) || d["date"] != "2030-07-01" ||
			d["offer_expires"] != dave.OfferExpires.UTC().Format(webhook.OfferExpiresLayout) {
			t.Errorf("waitlist.offered data %s", events[0].Data)
		}

		// Seat 1 back: not enough for carol, so erin's; seat 3 then waits for carol's second.
		must[bool](t)(s.Bookings.ReleaseHold(ctx, holds[0].ID))
		must[bool](t)(s.Bookings.ReleaseHold(ctx, holds[2].ID))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"carol": waitlist.Waiting, "erin": waitlist.Offered}, map[core.UserID]int{"carol": 0})
		if erin := entryOf(t, s, "erin"); !slices.Equal(must[booking.Order](t)(s.Bookings.Order(ctx, erin.OrderID)).Seats(), []int{1}) {
			t.Fatalf("erin's offer is not seat 1")
		}
		must[bool](t)(s.Bookings.ReleaseOrder(ctx, dave.OrderID)) // dave's offer given back: seats 2 and 3 for carol
		carol := entryOf(t, s, "carol")
		if carol.Status != waitlist.Offered || !slices.Equal(must[booking.Order](t)(s.Bookings.Order(ctx, carol.OrderID)).Seats(), []int{2, 3}) {
			t.Fatalf("carol's entry %+v, want offered seats 2 and 3", carol)
		}
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Expired}, nil)
	})

	t.Run("an unpaid offer passes on, a paid one is claimed, a fan over the limit is skipped", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		p, holds := soldOutShow(t, s, "2030-07-01", 1, now)
		for _, user := range []core.UserID{"dave", "erin", "fay"} {
			must[waitlist.Entry](t)(join(s, user, p, 1, "", now))
		}
		must[bool](t)(s.Bookings.ReleaseHold(ctx, holds[0].ID))
		dave := entryOf(t, s, "dave")
		must[bool](t)(s.Bookings.ReleaseOrder(ctx, dave.OrderID)) // its time ran out, or he gave it back
		erin := entryOf(t, s, "erin")
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Expired, "erin": waitlist.Offered, "fay": waitlist.Waiting}, nil)
		must[core.Amount](t)(s.Wallets.Charge(ctx, "erin", generalPrice, "", now))
		offer := must[booking.Order](t)(s.Bookings.Order(ctx, erin.OrderID))
		rc := must[booking.OrderReceipt](t)(s.Settlements.SettleOrder(ctx, booking.OrderSettlement{OrderID: offer.ID, UserID: "erin", PaymentID: core.NewID(), At: now}))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"erin": waitlist.Claimed, "fay": waitlist.Waiting}, nil)
		if err := s.Waitlists.LeaveWaitlist(ctx, erin.ID, "erin"); !errors.Is(err, waitlist.ErrEntryEnded) {
			t.Fatalf("leaving a claimed entry: %v, want ErrEntryEnded", err)
		}

		// fay holds another date's seat up to a limit of 1 by now: erin's refunded seat skips her.
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, func(sl catalog.Sale) (catalog.Sale, error) { sl.MaxTicketsPerFan = 1; return sl, nil }))
		must[booking.Reservation](t)(hold(t, s, "fay", addShow(t, s, "2030-07-02", 1), 1, now, time.Hour))
		must[waitlist.Entry](t)(join(s, "gus", p, 1, "", now))
		must[booking.Refund](t)(s.Settlements.Refund(ctx, booking.RefundRequest{ReservationID: rc.Tickets[0].ReservationID, UserID: "erin", RefundID: core.NewID(),
			Terms: booking.Terms{Refund: generalPrice}, Reason: booking.FanCancelled, At: now}))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"erin": waitlist.Claimed, "fay": waitlist.Expired, "gus": waitlist.Offered}, nil)
		counts := must[map[core.SaleID]map[waitlist.Status]int](t)(s.Waitlists.WaitlistCounts(ctx))
		if want := map[waitlist.Status]int{waitlist.Expired: 2, waitlist.Claimed: 1, waitlist.Offered: 1}; !maps.Equal(counts[testSale], want) {
			t.Fatalf("counts %v, want %v", counts[testSale], want)
		}
	})

	t.Run("seats back while the sale is paused are offered when it resumes; a cancelled date's or a closed sale's line ends", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		p, holds := soldOutShow(t, s, "2030-07-01", 1, now)
		other, _ := soldOutShow(t, s, "2030-07-02", 1, now)
		must[waitlist.Entry](t)(join(s, "dave", p, 1, "", now))
		must[waitlist.Entry](t)(join(s, "erin", other, 1, "", now))
		setState := func(st core.SaleState) {
			t.Helper()
			must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, func(sl catalog.Sale) (catalog.Sale, error) { sl.State = st; return sl, nil }))
		}
		setState(core.Paused)
		must[bool](t)(s.Bookings.ReleaseHold(ctx, holds[0].ID))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Waiting}, nil) // a paused sale offers nothing
		setState(core.OnSale)
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Offered}, nil)
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, other.Date, now))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"erin": waitlist.Expired}, nil)
		third, _ := soldOutShow(t, s, "2030-07-03", 1, now)
		must[waitlist.Entry](t)(join(s, "fay", third, 1, "", now))
		setState(core.Closed)
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"fay": waitlist.Expired, "dave": waitlist.Offered}, nil)
	})

	t.Run("an order's seats come back together, to the first entry that wants them all", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		p := addShow(t, s, "2030-07-01", 2)
		tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "ann"))
		o := must[booking.Order](t)(orderWith(s, tok, "ann", p, chosen(1, 2), now, noCap))
		must[waitlist.Entry](t)(join(s, "carol", p, 2, "", now))
		must[waitlist.Entry](t)(join(s, "dave", p, 1, "", now))
		must[bool](t)(s.Bookings.ReleaseOrder(ctx, o.ID))
		carol := entryOf(t, s, "carol")
		if carol.Status != waitlist.Offered || !slices.Equal(must[booking.Order](t)(s.Bookings.Order(ctx, carol.OrderID)).Seats(), []int{1, 2}) {
			t.Fatalf("carol's entry %+v, want both seats offered to her", carol)
		}
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Waiting}, map[core.UserID]int{"dave": 0})
	})

	t.Run("a hold past its deadline keeps its seat for the waitlist, not for whoever asks first", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		p, _ := soldOutShow(t, s, "2030-07-01", 2, now) // held for an hour, never released
		later := now.Add(2 * time.Hour)
		must[waitlist.Entry](t)(join(s, "dave", p, 1, "", now))
		if _, err := hold(t, s, "mallory", p, 1, later, time.Hour); !errors.Is(err, booking.ErrSeatTaken) {
			t.Fatalf("a direct hold of a lapsed seat with a fan waiting: %v, want ErrSeatTaken", err)
		}
		tok := must[core.ID](t)(AdmitFan(ctx, s.Queue, testSale, "mallory"))
		if _, err := orderWith(s, tok, "mallory", p, booking.OrderRequest{Wish: catalog.SeatWish{Quantity: 1}}, later, noCap); err == nil {
			t.Fatal("a best-available order took a lapsed seat with a fan waiting")
		}
		if _, err := orderWith(s, tok, "mallory", p, chosen(2), later, noCap); err == nil {
			t.Fatal("an order of a chosen lapsed seat took it with a fan waiting")
		}
		if err := s.Waitlists.LeaveWaitlist(ctx, entryOf(t, s, "dave").ID, "dave"); err != nil {
			t.Fatal(err)
		}
		must[booking.Reservation](t)(hold(t, s, "mallory", p, 1, later, time.Hour)) // nobody waits: it is anyone's
	})

	t.Run("an offer taken over past its expiry by another hold has expired", func(t *testing.T) {
		s := newStores(t)
		now := time.Now().UTC()
		p, holds := soldOutShow(t, s, "2030-07-01", 1, now)
		must[waitlist.Entry](t)(join(s, "dave", p, 1, "", now))
		must[bool](t)(s.Bookings.ReleaseHold(ctx, holds[0].ID))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Offered}, nil)
		later := now.Add(offerTTL + time.Minute) // its release never ran
		must[booking.Reservation](t)(hold(t, s, "mallory", p, 1, later, time.Hour))
		wantStatuses(t, s, map[core.UserID]waitlist.Status{"dave": waitlist.Expired}, nil)
		must[waitlist.Entry](t)(join(s, "dave", p, 1, "", later)) // and dave may wait again
	})

	t.Run("racing releases, leavers and refunds offer each seat once, first come first served", func(t *testing.T) {
		const seats = 6
		s := newStores(t)
		now := time.Now().UTC()
		p, holds := soldOutShow(t, s, "2030-07-01", seats, now)
		fans := make([]core.UserID, 3*seats)
		for i := range fans {
			fans[i] = core.UserID(fmt.Sprintf("fan-%02d", i))
			must[waitlist.Entry](t)(join(s, fans[i], p, 1, "", now))
		}
		offeredTo := func(from, to int) {
			t.Helper()
			seen := map[int]bool{}
			for i, fan := range fans {
				e := entryOf(t, s, fan)
				switch in := i >= from && i < to; {
				case in && e.Status != waitlist.Offered:
					t.Fatalf("%s (%d in line) is %s, want offered", fan, i, e.Status)
				case in:
					for _, n := range must[booking.Order](t)(s.Bookings.Order(ctx, e.OrderID)).Seats() {
						if seen[n] {
							t.Fatalf("seat %d offered twice", n)
						}
						seen[n] = true
					}
				case i >= to && (e.Status != waitlist.Waiting || placeOf(t, s, e) != i-to):
					t.Fatalf("%s is %s at %d, want waiting at %d", fan, e.Status, placeOf(t, s, e), i-to)
				}
			}
		}
		// Every seat back at once: the first six in line get them.
		concurrently(seats, func(i int) { _, _ = s.Bookings.ReleaseHold(ctx, holds[i].ID) })
		offeredTo(0, seats)
		// The six leave at once: the next six get their seats.
		concurrently(seats, func(i int) { _ = s.Waitlists.LeaveWaitlist(ctx, entryOf(t, s, fans[i]).ID, fans[i]) })
		offeredTo(seats, 2*seats)
		// Those six pay, then give their tickets back at once: the last six get them.
		tickets := make([]core.ID, seats)
		for i := range seats {
			fan := fans[seats+i]
			must[core.Amount](t)(s.Wallets.Charge(ctx, fan, generalPrice, "", now))
			rc := must[booking.OrderReceipt](t)(s.Settlements.SettleOrder(ctx, booking.OrderSettlement{OrderID: entryOf(t, s, fan).OrderID, UserID: fan, PaymentID: core.NewID(), At: now}))
			tickets[i] = rc.Tickets[0].ReservationID
		}
		concurrently(seats, func(i int) {
			_, _ = s.Settlements.Refund(ctx, booking.RefundRequest{ReservationID: tickets[i], UserID: fans[seats+i], RefundID: core.NewID(),
				Terms: booking.Terms{Refund: generalPrice}, Reason: booking.FanCancelled, At: now})
		})
		offeredTo(2*seats, 3*seats)
	})
}
