package booking_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// tour is a second sale on the world's date: Floor 1–10 at 150,000, Balcony 11–60 at 40,000.
const tour core.SaleID = "summer-tour"

func withTour(t *testing.T) *apptest.World {
	t.Helper()
	w := apptest.New(t, app.DefaultPolicy)
	w.AddSale(t, tour,
		catalog.Section{Name: "Floor", FirstSeat: 1, LastSeat: 10, Price: 150_000},
		catalog.Section{Name: "Balcony", FirstSeat: 11, LastSeat: 60, Price: 40_000})
	return w
}

func payRequest(r booking.Reservation) booking.PayRequest {
	return booking.PayRequest{TicketID: string(r.ID), SeatID: r.Seat, Date: r.Date.String()}
}

func TestAHoldTakesItsSectionsPriceAndThePaymentChargesIt(t *testing.T) {
	w := withTour(t)
	ann := w.FanOf(t, tour, "ann", true)
	floor, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 10)
	if err != nil || floor.SaleID != tour || floor.Section != "Floor" || floor.Price != 150_000 {
		t.Fatalf("hold of seat 10: %+v, %v; want Floor at 150000", floor, err)
	}
	balcony, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 11)
	if err != nil || balcony.Section != "Balcony" || balcony.Price != 40_000 {
		t.Fatalf("hold of seat 11: %+v, %v; want Balcony at 40000", balcony, err)
	}
	if _, err := w.Wallet.Cashier.Charge(ctx, ann, 200_000, ""); err != nil {
		t.Fatal(err)
	}
	for _, r := range []booking.Reservation{floor, balcony} {
		rc, err := w.Booking.Checkout.Pay(ctx, ann, payRequest(r), "")
		if err != nil || rc.Amount != r.Price {
			t.Fatalf("paying %s: %+v, %v; want %d charged", r.Section, rc, err, r.Price)
		}
	}
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 10_000 {
		t.Fatalf("balance %d after paying 150000 and 40000 of 200000", bal)
	}
}

func TestARepricedSectionChargesTheNewPriceToNewHoldsOnly(t *testing.T) {
	w := withTour(t)
	ann := w.FanOf(t, tour, "ann", true)
	before, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Catalog.Admin.RepriceSection(ctx, tour, showDate, "Floor", 120_000); err != nil || n != 9 {
		t.Fatalf("reprice: %d seats, %v; want the 9 not held", n, err)
	}
	after, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 2)
	if err != nil || after.Price != 120_000 {
		t.Fatalf("a hold after repricing: %+v, %v; want 120000", after, err)
	}
	if _, err := w.Wallet.Cashier.Charge(ctx, ann, 150_000, ""); err != nil {
		t.Fatal(err)
	}
	if rc, err := w.Booking.Checkout.Pay(ctx, ann, payRequest(before), ""); err != nil || rc.Amount != 150_000 {
		t.Fatalf("the hold made before repricing pays %+v, %v; want its 150000", rc, err)
	}
}

// A token is its sale's: another sale's dates, seats and tickets do not exist for it.
func TestATokenBooksInItsOwnSaleOnly(t *testing.T) {
	w := withTour(t)
	ann := w.Fan(t, "ann", true) // the world's sale: 50 seats in one section
	ben := w.FanOf(t, tour, "ben", true)
	annHold, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Seat 1 of the same date in the other sale is another seat, at that sale's price.
	benHold, err := w.Booking.SeatHolder.HoldSeat(ctx, ben, showDate, 1)
	if err != nil || benHold.SaleID != tour || benHold.Price != 150_000 {
		t.Fatalf("ben's hold in %s: %+v, %v", tour, benHold, err)
	}
	// Seat 55 exists in the tour, not in the world's sale.
	_, err = w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 55)
	var field *core.InvalidFieldError
	if !errors.As(err, &field) || field.Field != "seat_id" {
		t.Fatalf("ann holds seat 55 of the other sale: %v, want a seat_id error", err)
	}
	_, _ = w.Wallet.Cashier.Charge(ctx, ben, 100_000, "")
	_, err = w.Booking.Checkout.Pay(ctx, ben, payRequest(annHold), "")
	wantErr(t, err, booking.ErrUnknownTicket)
	seats, err := w.Catalog.Listings.Seats(ctx, ben, showDate)
	if err != nil || len(seats) != 60 || seats[0].Section != "Floor" || seats[0].Status != catalog.SeatReserved || seats[1].Status != catalog.SeatAvailable {
		t.Fatalf("ben lists %d seats (%v), want the tour's 60 with only seat 1 reserved", len(seats), err)
	}
	if got, _ := w.Store.Reservation(ctx, annHold.ID); got.Status != booking.Held {
		t.Fatalf("ann's hold is %v after ben's attempt", got.Status)
	}
}

func TestAPausedSaleRefusesHoldsAndTakesPaymentsOfHoldsMade(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	if err != nil {
		t.Fatal(err)
	}
	paused := core.Paused
	if _, err := w.Catalog.Admin.ChangeSale(ctx, w.Sale, catalog.SaleChange{State: &paused}); err != nil {
		t.Fatal(err)
	}
	_, err = w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 2)
	wantErr(t, err, catalog.ErrSalePaused)
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 50_000, "")
	if _, err := w.Booking.Checkout.Pay(ctx, ann, payRequest(r), ""); err != nil {
		t.Fatalf("paying a hold made before the pause: %v", err)
	}
}

func TestAClosedSaleRefusesHolds(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	closed := core.Closed
	if _, err := w.Catalog.Admin.ChangeSale(ctx, w.Sale, catalog.SaleChange{State: &closed}); err != nil {
		t.Fatal(err)
	}
	_, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 2)
	wantErr(t, err, catalog.ErrSaleClosed)
	wantErr(t, err, core.ErrGone)
}

// The per-fan limit counts held and bought tickets of the sale: over it while holds make it up
// the fan may retry when one ends; once bought tickets alone do, never. Racing holds reach it
// exactly.
func TestThePerFanLimit(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	limit := catalog.DefaultMaxTicketsPerFan
	ann := w.Fan(t, "ann", true)
	var mu sync.Mutex
	var held []booking.Reservation
	var wg sync.WaitGroup
	for seat := 1; seat <= 20; seat++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, seat)
			var limited *booking.TooManyHoldsError
			switch {
			case err == nil:
				mu.Lock()
				held = append(held, r)
				mu.Unlock()
			case errors.As(err, &limited):
				if !errors.Is(err, core.ErrLimited) || limited.FreeAt.IsZero() {
					t.Errorf("over the limit with holds: %v", err)
				}
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(held) != limit {
		t.Fatalf("%d holds taken by 20 racing requests, want the limit, %d", len(held), limit)
	}
	// Bought tickets count alike: pay them all, come back through the queue, and the limit is
	// reached for good.
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 50_000*int64(limit), "")
	for _, r := range held {
		if _, err := w.Booking.Checkout.Pay(ctx, ann, payRequest(r), ""); err != nil {
			t.Fatal(err)
		}
	}
	again := w.Fan(t, "ann", true)
	_, err := w.Booking.SeatHolder.HoldSeat(ctx, again, showDate, 30)
	wantErr(t, err, booking.ErrTicketLimit)
	wantErr(t, err, core.ErrForbidden)
	// The operator raises the limit: one more fits.
	more := limit + 1
	if _, err := w.Catalog.Admin.ChangeSale(ctx, w.Sale, catalog.SaleChange{MaxTicketsPerFan: &more}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, again, showDate, 30); err != nil {
		t.Fatalf("a hold under the raised limit: %v", err)
	}
}

// A payment expires the fan's token only once no hold of theirs in that sale is left to pay.
func TestPaymentKeepsTheSessionWhileAnotherHoldWaits(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", true)
	first, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 1)
	second, _ := w.Booking.SeatHolder.HoldSeat(ctx, ann, showDate, 2)
	_, _ = w.Wallet.Cashier.Charge(ctx, ann, 100_000, "")
	if _, err := w.Booking.Checkout.Pay(ctx, ann, payRequest(first), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Booking.Checkout.Pay(ctx, ann, payRequest(second), ""); err != nil {
		t.Fatalf("paying the second hold after the first: %v", err)
	}
	_, err := w.Wallet.Cashier.Balance(ctx, ann)
	wantErr(t, err, queue.ErrTokenExpired)
}
