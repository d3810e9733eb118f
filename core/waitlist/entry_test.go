package waitlist_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/waitlist"
)

func TestAnOfferGoesToAnEntryItSatisfiesWithinTheFansLimit(t *testing.T) {
	two := waitlist.Entry{Quantity: 2}
	for _, c := range []struct {
		name     string
		seats    int
		count    booking.TicketCount
		limit    int
		ok, skip bool
	}{
		{"enough seats, room under the limit", 2, booking.TicketCount{}, 4, true, false},
		{"more seats than asked", 5, booking.TicketCount{Paid: 2}, 4, true, false},
		{"too few seats: it waits", 1, booking.TicketCount{}, 4, false, false},
		{"holds and tickets leave no room: it expires", 2, booking.TicketCount{Held: 1, Paid: 2}, 4, false, true},
		{"exactly the limit", 2, booking.TicketCount{Held: 1, Paid: 1}, 4, true, false},
		{"too few seats and no room: it waits for seats first", 1, booking.TicketCount{Paid: 4}, 4, false, false},
	} {
		ok, skip := two.Offerable(c.seats, c.count, c.limit)
		if ok != c.ok || skip != c.skip {
			t.Errorf("%s: ok %v skip %v, want %v %v", c.name, ok, skip, c.ok, c.skip)
		}
	}
}

func TestAnEntryWantsItsSectionOrAny(t *testing.T) {
	if !(waitlist.Entry{}).Wants("Floor") || !(waitlist.Entry{Section: "Floor"}).Wants("Floor") || (waitlist.Entry{Section: "Floor"}).Wants("Balcony") {
		t.Fatal("an entry wants its own section, or any when it names none")
	}
	for _, st := range []waitlist.Status{waitlist.Waiting, waitlist.Offered, waitlist.Claimed, waitlist.Expired, waitlist.Left} {
		if got, err := waitlist.ParseStatus(st.String()); err != nil || got != st {
			t.Errorf("status %s reads back as %v, %v", st, got, err)
		}
	}
	if _, err := waitlist.ParseStatus("pending"); err == nil {
		t.Error("an unknown status was read")
	}
}
