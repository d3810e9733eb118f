package porttest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// generalPrice is the price of addShow's one section.
const generalPrice core.Amount = 50_000

// addShow puts a date of testSale on with seats 1..seats in one section, General.
func addShow(t testing.TB, s Stores, date string, seats int) catalog.Performance {
	t.Helper()
	return addPerformance(t, s, testSale, date, catalog.Section{Name: "General", FirstSeat: 1, LastSeat: seats, Price: generalPrice})
}

// addPerformance puts a date of a sale on with the sections given.
func addPerformance(t testing.TB, s Stores, sale core.SaleID, date string, sections ...catalog.Section) catalog.Performance {
	t.Helper()
	p := catalog.Performance{SaleID: sale, Date: day(date), Sections: sections}
	if err := s.Catalog.AddPerformance(ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// showOf reads the performance a reservation is of.
func showOf(t testing.TB, s Stores, r booking.Reservation) catalog.Performance {
	t.Helper()
	p, err := s.Catalog.Performance(ctx, r.SaleID, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// hold asks the store to hold a seat of p for user at its section's price, under no limit.
func hold(t testing.TB, s Stores, user core.UserID, p catalog.Performance, seat int, now time.Time, ttl time.Duration) (booking.Reservation, error) {
	t.Helper()
	return holdUnder(s, user, p, seat, now, ttl, noCap)
}

// holdUnder is hold under a limit; the fan is admitted first (AdmitFan).
func holdUnder(s Stores, user core.UserID, p catalog.Performance, seat int, now time.Time, ttl time.Duration, limit int) (booking.Reservation, error) {
	tok, err := AdmitFan(ctx, s.Queue, p.SaleID, user)
	if err != nil {
		return booking.Reservation{}, err
	}
	return holdWith(s, tok, user, p, seat, now, ttl, limit)
}

// holdWith asks the store to hold a seat of p with the fan's token tok. A refused hold returns
// the reservation it would have been.
func holdWith(s Stores, tok core.ID, user core.UserID, p catalog.Performance, seat int, now time.Time, ttl time.Duration, limit int) (booking.Reservation, error) {
	section, _ := p.SectionOf(seat) // none for a seat the performance lacks, which the store refuses
	r := booking.Reservation{
		ID: core.NewID(), UserID: user, SaleID: p.SaleID, Date: p.Date, Seat: seat, Section: section.Name, Price: section.Price,
		Status: booking.Held, HeldUntil: now.Add(ttl), CreatedAt: now,
	}
	held, err := s.Bookings.HoldSeat(ctx, booking.HoldAttempt{Hold: r, Token: tok, Now: now, Limit: limit})
	if err != nil {
		return r, err
	}
	return held, nil
}

// free is an available seat as a listing shows it.
func free(no int, section string, price core.Amount) catalog.Seat {
	return catalog.Seat{No: no, Status: catalog.SeatAvailable, Section: section, Price: price}
}

// threeSections is a 10-seat map: Floor 1–2, Stalls 3–7, Balcony 8–10.
var threeSections = []catalog.Section{
	{Name: "Floor", FirstSeat: 1, LastSeat: 2, Price: 150_000},
	{Name: "Stalls", FirstSeat: 3, LastSeat: 7, Price: 90_000},
	{Name: "Balcony", FirstSeat: 8, LastSeat: 10, Price: 40_000},
}

// runCatalog is the contract clause by clause, each t.Run one promise of the port.
func runCatalog(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("performances: sections and start read back, a date once a sale", func(t *testing.T) {
		s := newStores(t)
		starts := epoch.Add(30 * 24 * time.Hour).Truncate(time.Second)
		p := catalog.Performance{SaleID: testSale, Date: day("2030-07-01"), StartsAt: starts, Sections: threeSections}
		wantErr(t, s.Catalog.AddPerformance(ctx, p), nil)
		wantErr(t, s.Catalog.AddPerformance(ctx, catalog.Performance{SaleID: testSale, Date: p.Date, Sections: threeSections[:1]}), catalog.ErrDateExists)
		wantErr(t, s.Catalog.AddPerformance(ctx, catalog.Performance{SaleID: "no-such-sale", Date: p.Date, Sections: threeSections}), catalog.ErrUnknownSale)
		got := must[catalog.Performance](t)(s.Catalog.Performance(ctx, testSale, p.Date))
		if got.SaleID != testSale || got.Date != p.Date || !got.StartsAt.Equal(starts) || !slices.Equal(got.Sections, threeSections) || got.Seats() != 10 {
			t.Fatalf("Performance = %+v, want %+v", got, p)
		}
		later := addShow(t, s, "2030-07-02", 3)
		all := must[[]catalog.Performance](t)(s.Catalog.Performances(ctx, testSale))
		if len(all) != 2 || all[0].Date != p.Date || all[1].Date != later.Date || !all[1].StartsAt.IsZero() || !slices.Equal(all[1].Sections, later.Sections) {
			t.Fatalf("Performances = %+v", all)
		}
		_, err := s.Catalog.Performance(ctx, testSale, day("2030-07-03"))
		wantErr(t, err, catalog.ErrUnknownDate)
		offer := must[catalog.Offer](t)(s.Catalog.Offer(ctx, testSale, p.Date))
		if offer.Sale.ID != testSale || offer.Sale.State != core.OnSale || offer.Performance.Seats() != 10 {
			t.Fatalf("Offer = %+v", offer)
		}
		_, err = s.Catalog.Offer(ctx, testSale, day("2030-07-03"))
		wantErr(t, err, catalog.ErrUnknownDate)
		_, err = s.Catalog.Offer(ctx, "no-such-sale", p.Date)
		wantErr(t, err, catalog.ErrUnknownSale)
		// A cached offer shows the store's own changes at once.
		for range 2 {
			if got := must[catalog.Offer](t)(s.Catalog.CachedOffer(ctx, testSale, p.Date)); got.Sale.State != core.OnSale || got.Performance.Sections[0].Price != p.Sections[0].Price {
				t.Fatalf("CachedOffer = %+v", got)
			}
		}
		pause := func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, pause))
		must[int](t)(s.Catalog.RepriceSection(ctx, testSale, p.Date, p.Sections[0].Name, 77_000, epoch))
		if got := must[catalog.Offer](t)(s.Catalog.CachedOffer(ctx, testSale, p.Date)); got.Sale.State != core.Paused || got.Performance.Sections[0].Price != 77_000 {
			t.Fatalf("CachedOffer right after a pause and a reprice = %+v", got)
		}
		_, err = s.Catalog.CachedOffer(ctx, testSale, day("2030-07-03"))
		wantErr(t, err, catalog.ErrUnknownDate)
	})

	t.Run("seats: in seat order with their section and price; counts by status", func(t *testing.T) {
		s := newStores(t)
		p := catalog.Performance{SaleID: testSale, Date: day("2030-07-01"), Sections: threeSections}
		wantErr(t, s.Catalog.AddPerformance(ctx, p), nil)
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch))
		want := []catalog.Seat{
			free(1, "Floor", 150_000), free(2, "Floor", 150_000),
			free(3, "Stalls", 90_000), free(7, "Stalls", 90_000),
			free(8, "Balcony", 40_000), free(10, "Balcony", 40_000),
		}
		if len(seats) != 10 || seats[0] != want[0] || seats[1] != want[1] || seats[2] != want[2] || seats[6] != want[3] || seats[7] != want[4] || seats[9] != want[5] {
			t.Fatalf("seats = %+v", seats)
		}
		_, err := s.Catalog.Seats(ctx, testSale, day("2030-07-02"), epoch)
		wantErr(t, err, catalog.ErrUnknownDate)

		if _, err := hold(t, s, "alice", p, 1, epoch, time.Minute); err != nil {
			t.Fatal(err)
		}
		sold := must[booking.Reservation](t)(hold(t, s, "bob", p, 8, epoch, time.Minute))
		must[core.Amount](t)(s.Wallets.Charge(ctx, "bob", 40_000, "", epoch))
		must[booking.Receipt](t)(settle(s, sold, "bob", epoch))
		counts := must[map[core.Date]catalog.SeatCounts](t)(s.Catalog.SeatCounts(ctx, testSale, epoch))
		if len(counts) != 1 || counts[p.Date] != (catalog.SeatCounts{Available: 8, Held: 1, Sold: 1}) {
			t.Fatalf("counts = %+v, want 8 available, 1 held, 1 sold", counts)
		}
		// Past the hold's deadline its seat counts as available again (lazy expiry).
		counts = must[map[core.Date]catalog.SeatCounts](t)(s.Catalog.SeatCounts(ctx, testSale, epoch.Add(time.Minute)))
		if counts[p.Date] != (catalog.SeatCounts{Available: 9, Sold: 1}) {
			t.Fatalf("counts past the deadline = %+v, want 9 available, 1 sold", counts[p.Date])
		}
	})

	t.Run("open dates: from a day on, with an available seat, lazy expiry counts", func(t *testing.T) {
		s := newStores(t)
		addShow(t, s, "2030-05-31", 1) // before `from`
		full := addShow(t, s, "2030-07-01", 1)
		open := addShow(t, s, "2030-07-02", 2)
		if _, err := hold(t, s, "alice", full, 1, epoch, time.Minute); err != nil {
			t.Fatal(err)
		}
		dates := must[[]core.Date](t)(s.Catalog.OpenDates(ctx, testSale, core.DateOf(epoch), epoch))
		if len(dates) != 1 || dates[0] != open.Date {
			t.Fatalf("open dates = %v, want only %v", dates, open.Date)
		}
		// Past the hold's deadline the seat counts as available again.
		dates = must[[]core.Date](t)(s.Catalog.OpenDates(ctx, testSale, core.DateOf(epoch), epoch.Add(time.Minute)))
		if len(dates) != 2 || dates[0] != full.Date || dates[1] != open.Date {
			t.Fatalf("open dates after deadline = %v", dates)
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, full.Date, epoch))
		if seats[0].Status != catalog.SeatReserved {
			t.Fatalf("held seat shows %v", seats[0].Status)
		}
		seats = must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, full.Date, epoch.Add(time.Minute)))
		if seats[0].Status != catalog.SeatAvailable {
			t.Fatalf("seat past its hold deadline shows %v, want available", seats[0].Status)
		}
	})

	t.Run("reprice: the section's free seats take the price, held and sold keep theirs", func(t *testing.T) {
		s := newStores(t)
		p := catalog.Performance{SaleID: testSale, Date: day("2030-07-01"), Sections: threeSections}
		wantErr(t, s.Catalog.AddPerformance(ctx, p), nil)
		held := must[booking.Reservation](t)(hold(t, s, "alice", p, 3, epoch, time.Minute))
		sold := must[booking.Reservation](t)(hold(t, s, "bob", p, 4, epoch, time.Hour))
		must[core.Amount](t)(s.Wallets.Charge(ctx, "bob", 90_000, "", epoch))
		must[booking.Receipt](t)(settle(s, sold, "bob", epoch))
		must[booking.Reservation](t)(hold(t, s, "carol", p, 5, epoch.Add(-time.Hour), time.Minute)) // lapsed: free again

		n := must[int](t)(s.Catalog.RepriceSection(ctx, testSale, p.Date, "Stalls", 95_000, epoch))
		if n != 3 {
			t.Fatalf("repriced %d seats, want 3 (seats 5, 6 and 7: 3 is held, 4 sold)", n)
		}
		got := must[catalog.Performance](t)(s.Catalog.Performance(ctx, testSale, p.Date))
		if stalls, _ := got.Section("Stalls"); stalls.Price != 95_000 || stalls.FirstSeat != 3 || stalls.LastSeat != 7 {
			t.Fatalf("Stalls after repricing: %+v", stalls)
		}
		if floor, _ := got.Section("Floor"); floor.Price != 150_000 {
			t.Fatalf("repricing Stalls changed Floor: %+v", floor)
		}
		if r := must[booking.Reservation](t)(s.Bookings.Reservation(ctx, held.ID)); r.Price != 90_000 || r.Section != "Stalls" {
			t.Fatalf("the held seat's reservation now costs %d, want the 90000 it was held at", r.Price)
		}
		if rc := must[booking.Receipt](t)(s.Bookings.Receipt(ctx, sold.ID)); rc.Amount != 90_000 {
			t.Fatalf("the sold seat's receipt says %d, want 90000", rc.Amount)
		}
		seats := must[[]catalog.Seat](t)(s.Catalog.Seats(ctx, testSale, p.Date, epoch))
		if seats[5].Price != 95_000 || seats[5].Section != "Stalls" {
			t.Fatalf("seat 6 lists %+v, want Stalls at 95000", seats[5])
		}
		// A held and a sold seat list at the price they were taken at, as their payment charges.
		if seats[2].Price != 90_000 || seats[3].Price != 90_000 || seats[4].Price != 95_000 {
			t.Fatalf("seats 3 (held), 4 (sold), 5 (lapsed) list at %d, %d, %d; want 90000, 90000, 95000", seats[2].Price, seats[3].Price, seats[4].Price)
		}
		_, err := s.Catalog.RepriceSection(ctx, testSale, p.Date, "Boxes", 1, epoch)
		wantErr(t, err, catalog.ErrUnknownSection)
		_, err = s.Catalog.RepriceSection(ctx, testSale, day("2030-07-09"), "Stalls", 1, epoch)
		wantErr(t, err, catalog.ErrUnknownDate)
	})

	t.Run("seats of a fan: what they hold, bought or held before, as it stands now", func(t *testing.T) {
		s := newStores(t)
		p := catalog.Performance{SaleID: testSale, Date: day("2030-07-01"), Sections: threeSections}
		wantErr(t, s.Catalog.AddPerformance(ctx, p), nil)
		other := addShow(t, s, "2030-07-02", 3)
		held := must[booking.Reservation](t)(hold(t, s, "alice", p, 3, epoch, time.Minute))
		sold := must[booking.Reservation](t)(hold(t, s, "alice", p, 8, epoch, time.Hour))
		must[core.Amount](t)(s.Wallets.Charge(ctx, "alice", 40_000, "", epoch))
		must[booking.Receipt](t)(settle(s, sold, "alice", epoch))
		released := must[booking.Reservation](t)(hold(t, s, "alice", p, 1, epoch, time.Minute))
		must[bool](t)(s.Bookings.ReleaseHold(ctx, released.ID))
		must[booking.Reservation](t)(hold(t, s, "alice", other, 1, epoch, time.Minute)) // another date
		must[booking.Reservation](t)(hold(t, s, "bob", p, 4, epoch, time.Minute))       // another fan
		must[int](t)(s.Catalog.RepriceSection(ctx, testSale, p.Date, "Stalls", 95_000, epoch))

		got := must[[]catalog.Seat](t)(s.Catalog.SeatsOfFan(ctx, testSale, p.Date, "alice", epoch))
		want := []catalog.Seat{
			free(1, "Floor", 150_000),
			{No: 3, Status: catalog.SeatReserved, Section: "Stalls", Price: held.Price},
			{No: 8, Status: catalog.SeatReserved, Section: "Balcony", Price: 40_000},
		}
		if !slices.Equal(got, want) {
			t.Fatalf("SeatsOfFan = %+v, want %+v", got, want)
		}
		if got := must[[]catalog.Seat](t)(s.Catalog.SeatsOfFan(ctx, testSale, p.Date, "carol", epoch)); len(got) != 0 {
			t.Fatalf("a fan with no seat of the date has %+v", got)
		}
		_, err := s.Catalog.SeatsOfFan(ctx, testSale, day("2030-07-09"), "alice", epoch)
		wantErr(t, err, catalog.ErrUnknownDate)
	})

	t.Run("changes: every write of what a sale offers is announced before it returns", func(t *testing.T) {
		s := newStores(t)
		var mu sync.Mutex
		var heard []core.SaleID
		s.Catalog.OnChange(func(sale core.SaleID) {
			mu.Lock()
			defer mu.Unlock()
			heard = append(heard, sale)
		})
		heardNow := func(what string) {
			t.Helper()
			mu.Lock()
			defer mu.Unlock()
			if !slices.Contains(heard, testSale) {
				t.Fatalf("%s was not announced before it returned (heard %v)", what, heard)
			}
			heard = nil
		}
		p := addShow(t, s, "2030-07-01", 3)
		heardNow("adding a date")
		must[catalog.Sale](t)(s.Catalog.UpdateSale(ctx, testSale, func(sl catalog.Sale) (catalog.Sale, error) { sl.State = core.Paused; return sl, nil }))
		heardNow("a change of state")
		must[int](t)(s.Catalog.RepriceSection(ctx, testSale, p.Date, "General", 1_000, epoch))
		heardNow("a reprice")
		must[catalog.Performance](t)(s.Catalog.CancelPerformance(ctx, testSale, p.Date, epoch))
		heardNow("a cancelled date")
		wantErr(t, s.Catalog.CreateSale(ctx, catalog.Sale{ID: "another-sale", Title: "Another", Venue: "Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: epoch}, nil), nil)
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(heard, core.SaleID("another-sale")) {
			t.Fatalf("a new sale was not announced before it returned (heard %v)", heard)
		}
	})
}
