// The copies are tested through the use cases fans browse with, on the memory store, as
// apptest wires them (as every production instance does).
package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/internal/apptest"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// countingStore counts the seat listings and token reads asked of the memory store.
type countingStore struct {
	*memory.Store
	seats, tokens atomic.Int64
}

func (c *countingStore) Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	c.seats.Add(1)
	return c.Store.Seats(ctx, sale, d, now)
}

func (c *countingStore) Token(ctx context.Context, id core.ID) (queue.Token, error) {
	c.tokens.Add(1)
	return c.Store.Token(ctx, id)
}

func browsingWorld(t *testing.T, staleness time.Duration) (*apptest.World, *countingStore) {
	t.Helper()
	policy := app.DefaultPolicy
	policy.Catalog.SeatsStaleness = staleness
	var counted *countingStore
	w := apptest.New(t, policy, apptest.WithStores(func(s *memory.Store) app.Stores {
		counted = &countingStore{Store: s}
		return app.StoresOf(counted)
	}))
	return w, counted
}

// statusOf is seat no's status in a listing.
func statusOf(seats []catalog.Seat, no int) catalog.SeatStatus { return seats[no-1].Status }

// However many fans list a date at once, an instance reads it once per staleness; a hold made
// meanwhile is listed once the snapshot is too old, and the hold itself never waits for it.
func TestListingsReadADateOncePerStaleness(t *testing.T) {
	w, counted := browsingWorld(t, 250*time.Millisecond)
	ctx := context.Background()
	fans := make([]core.Caller, 20)
	for i := range fans {
		fans[i] = w.Fan(t, "fan-"+string(rune('a'+i)), true)
	}
	var wg sync.WaitGroup
	for _, f := range fans {
		wg.Go(func() {
			if _, err := w.Catalog.Listings.Seats(ctx, f, apptest.ShowDate); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := counted.seats.Load(); n != 1 {
		t.Fatalf("20 fans listing at once read the date %d times, want 1", n)
	}
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, fans[0], apptest.ShowDate, 7); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(250 * time.Millisecond)
	seats, err := w.Catalog.Listings.Seats(ctx, fans[1], apptest.ShowDate)
	if err != nil {
		t.Fatal(err)
	}
	if statusOf(seats, 7) != catalog.SeatAvailable || counted.seats.Load() != 1 {
		t.Fatalf("a snapshot 250 ms old: seat 7 is %v after %d reads, want still the snapshot's available after 1", statusOf(seats, 7), counted.seats.Load())
	}
	w.Clock.Advance(time.Millisecond)
	if seats, err = w.Catalog.Listings.Seats(ctx, fans[1], apptest.ShowDate); err != nil {
		t.Fatal(err)
	}
	if statusOf(seats, 7) != catalog.SeatReserved || counted.seats.Load() != 2 {
		t.Fatalf("past the staleness: seat 7 is %v after %d reads, want reserved after 2", statusOf(seats, 7), counted.seats.Load())
	}
}

// A fan's own hold, payment and cancellation show in their very next listing, laid over a
// snapshot that is older than them; other fans see the snapshot until it is too old.
func TestAFansOwnWritesShowInTheirNextListing(t *testing.T) {
	w, counted := browsingWorld(t, 5*time.Second) // the longest a snapshot may be kept; the clock stands still
	ctx := context.Background()
	ann, bob := w.Fan(t, "ann", true), w.Fan(t, "bob", true)
	if _, err := w.Catalog.Listings.Seats(ctx, ann, apptest.ShowDate); err != nil {
		t.Fatal(err)
	}
	held, err := w.Booking.SeatHolder.HoldSeat(ctx, ann, apptest.ShowDate, 7)
	if err != nil {
		t.Fatal(err)
	}
	mine := func(who core.Caller) catalog.Seat {
		t.Helper()
		seats, err := w.Catalog.Listings.Seats(ctx, who, apptest.ShowDate)
		if err != nil {
			t.Fatal(err)
		}
		return seats[6]
	}
	if got := mine(ann); got.Status != catalog.SeatReserved || got.Price != held.Price {
		t.Fatalf("ann's own hold lists as %+v, want reserved at %d", got, held.Price)
	}
	if got := mine(bob); got.Status != catalog.SeatAvailable {
		t.Fatalf("bob sees seat 7 as %+v, want the snapshot's available", got)
	}
	if _, err := w.Booking.Settler.Release(ctx, held.ID); err != nil { // the hold ends
		t.Fatal(err)
	}
	if got := mine(ann); got.Status != catalog.SeatAvailable {
		t.Fatalf("ann's ended hold lists as %+v, want available again", got)
	}
	if n := counted.seats.Load(); n != 1 {
		t.Fatalf("the date was read %d times, want once: only the fan's own seats are read again", n)
	}
}

// With no staleness every listing reads the store, and sees a hold at once.
func TestListingsWithoutStalenessReadEveryTime(t *testing.T) {
	w, counted := browsingWorld(t, 0)
	ctx := context.Background()
	fan := w.Fan(t, "ann", true)
	for range 3 {
		if _, err := w.Catalog.Listings.Seats(ctx, fan, apptest.ShowDate); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, fan, apptest.ShowDate, 7); err != nil {
		t.Fatal(err)
	}
	seats, err := w.Catalog.Listings.Seats(ctx, fan, apptest.ShowDate)
	if err != nil {
		t.Fatal(err)
	}
	if statusOf(seats, 7) != catalog.SeatReserved || counted.seats.Load() != 4 || counted.tokens.Load() < 4 {
		t.Fatalf("seat 7 %v after %d listings and %d token reads, want reserved, 4 and at least 4", statusOf(seats, 7), counted.seats.Load(), counted.tokens.Load())
	}
}

// A fan browsing page after page is read from the store once per staleness; a fan still
// waiting is asked about every time, so admission is seen at once, and an operator's reprice
// is listed on this instance at once.
func TestBrowsingRemembersAdmittedFansOnly(t *testing.T) {
	w, counted := browsingWorld(t, 250*time.Millisecond)
	ctx := context.Background()
	ann := w.Fan(t, "ann", true)
	before := counted.tokens.Load()
	for range 5 {
		if _, err := w.Catalog.Listings.OpenDates(ctx, ann); err != nil {
			t.Fatal(err)
		}
	}
	if n := counted.tokens.Load() - before; n != 1 {
		t.Fatalf("5 pages read the admitted fan's token %d times, want 1", n)
	}
	w.Clock.Advance(251 * time.Millisecond)
	if _, err := w.Catalog.Listings.OpenDates(ctx, ann); err != nil {
		t.Fatal(err)
	}
	if n := counted.tokens.Load() - before; n != 2 {
		t.Fatalf("past the staleness the token was read %d times in all, want 2", n)
	}

	bob := w.Fan(t, "bob", false)
	var waiting *queue.NotAdmittedError
	for range 2 {
		if _, err := w.Catalog.Listings.Seats(ctx, bob, apptest.ShowDate); !errors.As(err, &waiting) {
			t.Fatalf("a waiting fan lists seats: %v, want NotAdmittedError", err)
		}
	}
	w.Admit(t, w.Sale)
	if _, err := w.Catalog.Listings.Seats(ctx, bob, apptest.ShowDate); err != nil {
		t.Fatalf("right after admission: %v", err)
	}

	if _, err := w.Catalog.Admin.RepriceSection(ctx, w.Sale, apptest.ShowDate, "General", 70_000); err != nil {
		t.Fatal(err)
	}
	seats, err := w.Catalog.Listings.Seats(ctx, bob, apptest.ShowDate)
	if err != nil {
		t.Fatal(err)
	}
	if seats[0].Price != 70_000 {
		t.Fatalf("right after a reprice seat 1 is listed at %d, want 70000", seats[0].Price)
	}
}

// panickyStore's first seat listing panics.
type panickyStore struct {
	*memory.Store
	panicked atomic.Bool
}

func (p *panickyStore) Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	if p.panicked.CompareAndSwap(false, true) {
		panic("listing failed")
	}
	return p.Store.Seats(ctx, sale, d, now)
}

// A listing whose read panics releases whoever waits for it and is not kept: the next fan's
// listing reads again.
func TestAPanickingListingIsNotKept(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy, apptest.WithStores(func(s *memory.Store) app.Stores { return app.StoresOf(&panickyStore{Store: s}) }))
	fan := w.Fan(t, "ann", true)
	func() {
		defer func() { _ = recover() }()
		_, _ = w.Catalog.Listings.Seats(context.Background(), fan, apptest.ShowDate)
		t.Fatal("the first listing did not panic")
	}()
	seats, err := w.Catalog.Listings.Seats(context.Background(), fan, apptest.ShowDate)
	if err != nil || len(seats) != 50 {
		t.Fatalf("the listing after a panicked one: %d seats, %v", len(seats), err)
	}
}

// slowStore's seat listings wait until release is closed.
type slowStore struct {
	*memory.Store
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	close(s.entered)
	<-s.release
	return s.Store.Seats(ctx, sale, d, now)
}

// A fan who gives up while waiting for a listing another fan's request is reading gets their
// own context's error at once; the read goes on and serves the fan who asked first.
func TestAFanWhoLeavesDoesNotEndTheListingOthersWaitFor(t *testing.T) {
	slow := &slowStore{entered: make(chan struct{}), release: make(chan struct{})}
	w := apptest.New(t, app.DefaultPolicy, apptest.WithStores(func(s *memory.Store) app.Stores { slow.Store = s; return app.StoresOf(slow) }))
	ann, bob := w.Fan(t, "ann", true), w.Fan(t, "bob", true)
	first := make(chan []catalog.Seat, 1)
	go func() {
		seats, err := w.Catalog.Listings.Seats(context.Background(), ann, apptest.ShowDate)
		if err != nil {
			t.Error(err)
		}
		first <- seats
	}()
	<-slow.entered // ann's request reads the date
	waitCtx, leave := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() {
		_, err := w.Catalog.Listings.Seats(waitCtx, bob, apptest.ShowDate)
		left <- err
	}()
	leave()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("the fan who left got %v, want context.Canceled", err)
	}
	close(slow.release)
	if seats := <-first; len(seats) != 50 {
		t.Fatalf("the fan who asked first got %d seats, want 50", len(seats))
	}
}
