package reservation_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/workflows/internal/workflowtest"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// An offer nobody pays is released by its order's workflow when the offer expires, and its
// seat goes at that moment to the next fan in line, whose own offer's timer is started.
func TestAnUnpaidOfferExpiresAndPassesToTheNextFan(t *testing.T) {
	const offerTTL = 10 * time.Minute
	env := workflowtest.New(t, app.DefaultPolicy)
	env.Store.UseClock(workflowClock{env})
	reservation.Register(env, env.App.Booking.Settler)
	ctx := context.Background()
	d := workflowtest.Date.AddDays(1)
	if err := env.Store.AddPerformance(ctx, catalog.Performance{SaleID: workflowtest.Sale, Date: d,
		Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 1, Price: 50_000}}}); err != nil {
		t.Fatal(err)
	}
	hana := workflowtest.Hold(t, env.Store, booking.Reservation{ID: core.NewID(), UserID: "hana", SaleID: workflowtest.Sale, Date: d, Seat: 1,
		Section: "General", Price: 50_000, Status: booking.Held, HeldUntil: start.Add(holdTTL), CreatedAt: start}, 4)
	for _, fan := range []core.UserID{"ivan", "jo"} {
		if _, err := env.Store.JoinWaitlist(ctx, waitlist.Entry{ID: core.NewID(), SaleID: workflowtest.Sale, UserID: fan, Date: d, Quantity: 1,
			Status: waitlist.Waiting, JoinedAt: start, OfferTTL: offerTTL}, start); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.App.Booking.Settler.Release(ctx, hana.ID); err != nil { // hana's hold ends: ivan's offer
		t.Fatal(err)
	}
	ivan := entryOf(t, env, "ivan")
	offer, err := env.Store.Order(ctx, ivan.OrderID)
	if err != nil || ivan.Status != waitlist.Offered || !offer.HeldUntil.Equal(start.Add(offerTTL)) {
		t.Fatalf("ivan's entry %+v, offer %+v (%v): want offered until %s", ivan, offer, err, start.Add(offerTTL))
	}

	var before, after waitlist.Status
	env.RegisterDelayedCallback(func() { before = entryOf(t, env, "jo").Status }, offerTTL-time.Second)
	env.ExecuteWorkflow(reservation.Workflow, reservation.Input{
		OrderID: string(offer.ID), Seats: offer.Seats(), UserID: "ivan", SaleID: string(offer.SaleID), Section: "General", Date: d.String(),
		Seat: 1, Price: int64(offer.Total()), HeldUntil: offer.HeldUntil,
	})
	var st reservation.State
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	after = entryOf(t, env, "jo").Status
	if st.Status != reservation.StatusReleased || env.Now().Before(start.Add(offerTTL)) {
		t.Fatalf("the offer's workflow ended %s at %s, want released at the offer's expiry", st.Status, env.Now())
	}
	if before != waitlist.Waiting || after != waitlist.Offered || entryOf(t, env, "ivan").Status != waitlist.Expired {
		t.Fatalf("jo was %s before the expiry and %s after, ivan %s; want waiting, offered, expired", before, after, entryOf(t, env, "ivan").Status)
	}
	if untimed, _ := env.Store.UntimedOffers(ctx, 10); len(untimed) != 0 {
		t.Fatalf("jo's offer's timer was not started: %v untimed", untimed)
	}
}

type workflowClock struct{ env *workflowtest.Env }

func (c workflowClock) Now() time.Time { return c.env.Now().UTC() }

func entryOf(t *testing.T, env *workflowtest.Env, fan core.UserID) waitlist.Entry {
	t.Helper()
	entries, err := env.Store.WaitlistEntries(context.Background(), workflowtest.Sale, fan)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%s's entries %v, %v", fan, entries, err)
	}
	return entries[0]
}
