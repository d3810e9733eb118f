package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// concert is a valid spec: two dates, three sections of 100 seats.
func concert() catalog.SaleSpec {
	sections := func() []catalog.Section {
		return []catalog.Section{
			{Name: "Floor", FirstSeat: 1, LastSeat: 20, Price: 150_000},
			{Name: "Stalls", FirstSeat: 21, LastSeat: 70, Price: 90_000},
			{Name: "Balcony", FirstSeat: 71, LastSeat: 100, Price: 40_000},
		}
	}
	return catalog.SaleSpec{
		ID: "autumn-nights", Title: "Autumn Nights", Venue: "Riverside Arena",
		Performances: []catalog.PerformanceSpec{{Date: "2030-09-01", Sections: sections()}, {Date: "2030-09-02", Sections: sections()}},
	}
}

func TestNewSaleNamesTheFieldItRefuses(t *testing.T) {
	now := apptest.Start
	for _, tc := range []struct {
		name   string
		change func(*catalog.SaleSpec)
		field  string
	}{
		{"id too short", func(s *catalog.SaleSpec) { s.ID = "ab" }, "sale_id"},
		{"id with capitals", func(s *catalog.SaleSpec) { s.ID = "Autumn" }, "sale_id"},
		{"no title", func(s *catalog.SaleSpec) { s.Title = "" }, "title"},
		{"title too long", func(s *catalog.SaleSpec) { s.Title = strings.Repeat("x", 201) }, "title"},
		{"no venue", func(s *catalog.SaleSpec) { s.Venue = "" }, "venue"},
		{"a blank venue", func(s *catalog.SaleSpec) { s.Venue = "   " }, "venue"},
		{"a title with a control character", func(s *catalog.SaleSpec) { s.Title = "Autumn\x00Nights" }, "title"},
		{"unknown state", func(s *catalog.SaleSpec) { s.State = "live" }, "state"},
		{"created closed", func(s *catalog.SaleSpec) { s.State = "closed" }, "state"},
		{"negative limit", func(s *catalog.SaleSpec) { s.MaxTicketsPerFan = -1 }, "max_tickets_per_fan"},
		{"limit too high", func(s *catalog.SaleSpec) { s.MaxTicketsPerFan = catalog.MaxTicketsPerFan + 1 }, "max_tickets_per_fan"},
		{"fee over 100%", func(s *catalog.SaleSpec) {
			s.Cancellation = &catalog.CancellationPolicy{UntilBeforeShow: time.Hour, FeePercent: 101}
		}, "cancellation.fee_percent"},
		{"negative cancellation window", func(s *catalog.SaleSpec) {
			s.Cancellation = &catalog.CancellationPolicy{UntilBeforeShow: -time.Hour}
		}, "cancellation.until_before_show"},
		{"negative admit rate", func(s *catalog.SaleSpec) { s.Queue.AdmitRate = -1 }, "queue.admit_rate"},
		{"opening in the past", func(s *catalog.SaleSpec) { s.Queue.OpensAt = now.Add(-time.Minute) }, "queue.opens_at"},
		{"no performances", func(s *catalog.SaleSpec) { s.Performances = nil }, "performances"},
		{"malformed date", func(s *catalog.SaleSpec) { s.Performances[1].Date = "2030-9-2" }, "performances[1].date"},
		{"past date", func(s *catalog.SaleSpec) { s.Performances[0].Date = "2030-05-31" }, "performances[0].date"},
		{"a date twice", func(s *catalog.SaleSpec) { s.Performances[1].Date = "2030-09-01" }, "performances[1].date"},
		{"start in the past", func(s *catalog.SaleSpec) { s.Performances[0].StartsAt = now.Add(-time.Hour) }, "performances[0].starts_at"},
		{"no sections", func(s *catalog.SaleSpec) { s.Performances[0].Sections = nil }, "performances[0].sections"},
		{"gap between sections", func(s *catalog.SaleSpec) { s.Performances[0].Sections[1].FirstSeat = 22 }, "performances[0].sections"},
		{"overlapping sections", func(s *catalog.SaleSpec) { s.Performances[1].Sections[2].FirstSeat = 70 }, "performances[1].sections"},
		{"not from seat 1", func(s *catalog.SaleSpec) { s.Performances[0].Sections[0].FirstSeat = 2 }, "performances[0].sections"},
		{"seat 0", func(s *catalog.SaleSpec) { s.Performances[0].Sections[0].FirstSeat = 0 }, "performances[0].sections[0].first_seat"},
		{"last below first", func(s *catalog.SaleSpec) { s.Performances[0].Sections[2].LastSeat = 60 }, "performances[0].sections[2].last_seat"},
		{"too many seats", func(s *catalog.SaleSpec) { s.Performances[0].Sections[2].LastSeat = catalog.MaxSeats + 1 }, "performances[0].sections[2].last_seat"},
		{"free seats", func(s *catalog.SaleSpec) { s.Performances[0].Sections[1].Price = 0 }, "performances[0].sections[1].price"},
		{"price too high", func(s *catalog.SaleSpec) { s.Performances[0].Sections[1].Price = catalog.MaxPrice + 1 }, "performances[0].sections[1].price"},
		{"unnamed section", func(s *catalog.SaleSpec) { s.Performances[0].Sections[0].Name = "" }, "performances[0].sections[0].name"},
		{"a section name twice", func(s *catalog.SaleSpec) { s.Performances[0].Sections[2].Name = "Floor" }, "performances[0].sections[2].name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := concert()
			tc.change(&spec)
			_, _, err := catalog.NewSale(spec, now)
			var field *core.InvalidFieldError
			if !errors.As(err, &field) || field.Field != tc.field {
				t.Fatalf("error = %v, want one naming %s", err, tc.field)
			}
		})
	}
	s, perfs, err := catalog.NewSale(concert(), now)
	if err != nil || s.State != core.OnSale || s.MaxTicketsPerFan != catalog.DefaultMaxTicketsPerFan || len(perfs) != 2 || perfs[0].Seats() != 100 {
		t.Fatalf("a valid spec: %+v %+v %v", s, perfs, err)
	}
	// Sections may come in any order; the performance keeps them in seat order.
	spec := concert()
	secs := spec.Performances[0].Sections
	secs[0], secs[2] = secs[2], secs[0]
	_, perfs, err = catalog.NewSale(spec, now)
	if err != nil || perfs[0].Sections[0].Name != "Floor" || perfs[0].Sections[2].Name != "Balcony" {
		t.Fatalf("sections out of order: %+v, %v", perfs[0].Sections, err)
	}
	if sec, ok := perfs[0].SectionOf(71); !ok || sec.Name != "Balcony" {
		t.Fatalf("seat 71 is in %+v, want Balcony", sec)
	}
}

func TestSaleStates(t *testing.T) {
	for _, tc := range []struct {
		from, to core.SaleState
		ok       bool
	}{
		{core.Draft, core.OnSale, true}, {core.OnSale, core.Paused, true}, {core.Paused, core.OnSale, true},
		{core.Draft, core.Closed, true}, {core.OnSale, core.Closed, true}, {core.Paused, core.Closed, true},
		{core.OnSale, core.OnSale, true},
		{core.OnSale, core.Draft, false}, {core.Draft, core.Paused, false}, {core.Closed, core.OnSale, false},
		{core.Closed, core.Paused, false}, {core.Paused, core.Draft, false},
	} {
		err := tc.from.CanBecome(tc.to)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, core.ErrConflict)) {
			t.Errorf("%s → %s: %v, want allowed %v", tc.from, tc.to, err, tc.ok)
		}
	}
}

func TestOperatorsPutASaleOnAndChangeIt(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	admin := w.Catalog.Admin
	report, err := admin.CreateSale(ctx, concert())
	if err != nil {
		t.Fatal(err)
	}
	if report.Sale.ID != "autumn-nights" || len(report.Performances) != 2 || report.Counts[report.Performances[0].Date] != (catalog.SeatCounts{Available: 100}) {
		t.Fatalf("created: %+v", report)
	}
	if _, err := admin.CreateSale(ctx, concert()); !errors.Is(err, catalog.ErrSaleExists) {
		t.Fatalf("the same id again: %v, want ErrSaleExists", err)
	}
	const sale core.SaleID = "autumn-nights"

	// Its waiting room opened with the service's defaults.
	if q, err := w.Queue.Control.Report(ctx, sale); err != nil || q.Settings.AdmitRate != app.DefaultPolicy.Queue.Admission.AdmitRate {
		t.Fatalf("the new sale's queue: %+v, %v", q, err)
	}

	draft := core.Draft
	if _, err := admin.ChangeSale(ctx, sale, catalog.SaleChange{State: &draft}); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("on_sale → draft: %v, want a conflict", err)
	}
	empty := ""
	_, err = admin.ChangeSale(ctx, sale, catalog.SaleChange{Title: &empty})
	var field *core.InvalidFieldError
	if !errors.As(err, &field) || field.Field != "title" {
		t.Fatalf("an empty title: %v", err)
	}
	title, limit := "Autumn Nights (extra dates)", 2
	policy := &catalog.CancellationPolicy{UntilBeforeShow: 24 * time.Hour, FeePercent: 10}
	changed, err := admin.ChangeSale(ctx, sale, catalog.SaleChange{Title: &title, MaxTicketsPerFan: &limit, Cancellation: policy, SetCancellation: true})
	if err != nil || changed.Sale.Title != title || changed.Sale.MaxTicketsPerFan != 2 || *changed.Sale.Cancellation != *policy {
		t.Fatalf("change: %+v, %v", changed.Sale, err)
	}
	// A refused change left nothing behind.
	if r, _ := admin.Report(ctx, sale); r.Sale.State != core.OnSale {
		t.Fatalf("state after refusals: %v", r.Sale.State)
	}
	if _, err := admin.ChangeSale(ctx, "no-such-sale", catalog.SaleChange{Title: &title}); !errors.Is(err, catalog.ErrUnknownSale) {
		t.Fatalf("an unknown sale: %v", err)
	}

	added, err := admin.AddPerformance(ctx, sale, catalog.PerformanceSpec{Date: "2030-09-03", Sections: []catalog.Section{{Name: "All", FirstSeat: 1, LastSeat: 5, Price: 1_000}}})
	if err != nil || len(added.Performances) != 3 {
		t.Fatalf("add a date: %+v, %v", added.Performances, err)
	}
	_, err = admin.AddPerformance(ctx, sale, catalog.PerformanceSpec{Date: "2030-09-03", Sections: []catalog.Section{{Name: "All", FirstSeat: 1, LastSeat: 5, Price: 1_000}}})
	wantErr(t, err, catalog.ErrDateExists)
	_, err = admin.AddPerformance(ctx, sale, catalog.PerformanceSpec{Date: "2030-09-04", Sections: []catalog.Section{{Name: "All", FirstSeat: 2, LastSeat: 5, Price: 1_000}}})
	if !errors.As(err, &field) || field.Field != "sections" {
		t.Fatalf("a date whose sections start at seat 2: %v", err)
	}

	if n, err := admin.RepriceSection(ctx, sale, "2030-09-01", "Balcony", 45_000); err != nil || n != 30 {
		t.Fatalf("reprice: %d, %v", n, err)
	}
	for _, tc := range []struct {
		date, section string
		price         int64
		want          error
	}{
		{"2030-09-01", "Balcony", 0, core.ErrInvalid},
		{"2030-9-1", "Balcony", 1, core.ErrInvalid},
		{"2030-09-09", "Balcony", 1, catalog.ErrUnknownDate},
		{"2030-09-01", "Boxes", 1, catalog.ErrUnknownSection},
	} {
		_, err := admin.RepriceSection(ctx, sale, tc.date, tc.section, tc.price)
		wantErr(t, err, tc.want)
	}

	closed := core.Closed
	if _, err := admin.ChangeSale(ctx, sale, catalog.SaleChange{State: &closed}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.AddPerformance(ctx, sale, catalog.PerformanceSpec{Date: "2030-09-05", Sections: []catalog.Section{{Name: "All", FirstSeat: 1, LastSeat: 5, Price: 1_000}}})
	wantErr(t, err, catalog.ErrSaleClosed)
}

// The directory lists the sales fans can queue for, from a copy up to DirectoryRefresh old.
func TestTheDirectory(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy) // the world's sale: 50 seats at 50,000
	spec := concert()
	spec.State = "draft"
	if _, err := w.Catalog.Admin.CreateSale(ctx, spec); err != nil {
		t.Fatal(err)
	}
	soldOut := concert()
	soldOut.ID = "tiny-show"
	soldOut.Performances = []catalog.PerformanceSpec{{Date: "2030-08-01", Sections: []catalog.Section{{Name: "All", FirstSeat: 1, LastSeat: 1, Price: 7_000}}}}
	if _, err := w.Catalog.Admin.CreateSale(ctx, soldOut); err != nil {
		t.Fatal(err)
	}
	fan := w.FanOf(t, "tiny-show", "ann", true)
	if _, err := w.Booking.SeatHolder.HoldSeat(ctx, fan, "2030-08-01", 1); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(catalog.DirectoryRefresh) // the copy read when ann queued is stale now
	public, err := w.Catalog.Directory.Public(ctx)
	if err != nil || len(public) != 2 {
		t.Fatalf("public sales: %+v, %v; want the world's and tiny-show, not the draft", public, err)
	}
	world, tiny := public[0], public[1]
	if world.Sale.ID != w.Sale || world.SoldOut || world.MinPrice != 50_000 || world.MaxPrice != 50_000 || len(world.Dates) != 1 {
		t.Fatalf("the world's sale lists as %+v", world)
	}
	if tiny.Sale.ID != "tiny-show" || !tiny.SoldOut || tiny.MinPrice != 7_000 {
		t.Fatalf("tiny-show lists as %+v, want sold out", tiny)
	}
	if id, err := w.Catalog.Directory.Default(ctx); err != nil || id != w.Sale {
		t.Fatalf("default sale %s, %v; want the earliest on sale, %s", id, err, w.Sale)
	}
	if st, err := w.Catalog.Directory.Status(ctx, "autumn-nights"); err != nil || st.State != core.Draft {
		t.Fatalf("a draft's status: %+v, %v", st, err)
	}
	if _, err := w.Catalog.Directory.Status(ctx, "no-such-sale"); !errors.Is(err, catalog.ErrUnknownSale) {
		t.Fatalf("an unknown sale's status: %v", err)
	}
	// Fans cannot queue for a draft.
	if _, err := w.Queue.Entrance.Issue(ctx, "ben", "autumn-nights"); !errors.Is(err, core.ErrUnknownSale) {
		t.Fatalf("a token for a draft: %v, want unknown sale", err)
	}

	// BOXOFFICE_DEFAULT_SALE names the default whatever is on sale.
	policy := app.DefaultPolicy
	policy.DefaultSale = "elsewhere"
	other := apptest.New(t, policy)
	if id, err := other.Catalog.Directory.Default(ctx); err != nil || id != "elsewhere" {
		t.Fatalf("configured default: %s, %v", id, err)
	}
	// A paused sale stays the default; without a sale on sale or paused there is none, and the
	// error says to name one.
	paused, closed := core.Paused, core.Closed
	lone := apptest.New(t, app.DefaultPolicy)
	if _, err := lone.Catalog.Admin.ChangeSale(ctx, lone.Sale, catalog.SaleChange{State: &paused}); err != nil {
		t.Fatal(err)
	}
	if id, err := lone.Catalog.Directory.Default(ctx); err != nil || id != lone.Sale {
		t.Fatalf("a paused default: %s, %v; want it still the default", id, err)
	}
	lone.Clock.Advance(catalog.DirectoryRefresh)
	if _, err := lone.Catalog.Admin.ChangeSale(ctx, lone.Sale, catalog.SaleChange{State: &closed}); err != nil {
		t.Fatal(err)
	}
	if _, err := lone.Catalog.Directory.Default(ctx); !errors.Is(err, catalog.ErrNoDefaultSale) {
		t.Fatalf("no sale on sale: %v, want ErrNoDefaultSale", err)
	}
}

// An operator's change shows in this instance's next answer, however fresh its copy of the
// directory: a new sale is listed at once, and a closed sale takes no token from the moment
// its close returns.
func TestTheDirectoryFollowsAnOperatorsChangeAtOnce(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	if _, err := w.Catalog.Directory.Public(ctx); err != nil { // a copy, fresh for a second
		t.Fatal(err)
	}
	if _, err := w.Catalog.Admin.CreateSale(ctx, concert()); err != nil {
		t.Fatal(err)
	}
	public, err := w.Catalog.Directory.Public(ctx)
	if err != nil || len(public) != 2 || public[1].Sale.ID != "autumn-nights" {
		t.Fatalf("right after a new sale: %+v, %v; want it listed", public, err)
	}
	if _, err := w.Queue.Entrance.Issue(ctx, "ann", "autumn-nights"); err != nil {
		t.Fatal(err)
	}
	closed := core.Closed
	if _, err := w.Catalog.Admin.ChangeSale(ctx, "autumn-nights", catalog.SaleChange{State: &closed}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Queue.Entrance.Issue(ctx, "ben", "autumn-nights"); !errors.Is(err, core.ErrSaleClosed) {
		t.Fatalf("a token right after the close: %v, want the sale closed", err)
	}
}

// flakyLoop is an admission loop that cannot start while down, as when no worker answers.
type flakyLoop struct {
	queue.Loop
	down bool
}

func (l *flakyLoop) Start(ctx context.Context, sale core.SaleID, s queue.Settings) error {
	if l.down {
		return errors.New("no worker answered")
	}
	return l.Loop.Start(ctx, sale, s)
}

// A sale whose waiting room cannot open stays a draft, out of fans' sight; putting it on sale
// opens the waiting room first, and is refused while that fails.
func TestASaleGoesOnSaleOnlyWithItsWaitingRoom(t *testing.T) {
	loop := &flakyLoop{Loop: memory.NewAdmission(app.DefaultPolicy.Queue.Admission)}
	w := apptest.New(t, app.DefaultPolicy, apptest.WithLoop(loop))
	loop.down = true
	spec := concert()
	spec.Queue.OpensAt = apptest.Start.Add(time.Hour)
	_, err := w.Catalog.Admin.CreateSale(ctx, spec)
	wantErr(t, err, catalog.ErrQueueNotOpened)
	wantErr(t, err, core.ErrUnavailable)
	r, err := w.Catalog.Admin.Report(ctx, "autumn-nights")
	if err != nil || r.Sale.State != core.Draft {
		t.Fatalf("a sale whose queue did not open: %+v, %v; want a draft", r.Sale, err)
	}
	if _, err := w.Queue.Entrance.Issue(ctx, "ann", "autumn-nights"); !errors.Is(err, core.ErrUnknownSale) {
		t.Fatalf("a token for it: %v, want unknown sale", err)
	}
	onSale := core.OnSale
	_, err = w.Catalog.Admin.ChangeSale(ctx, "autumn-nights", catalog.SaleChange{State: &onSale})
	wantErr(t, err, catalog.ErrQueueNotOpened)
	if r, _ := w.Catalog.Admin.Report(ctx, "autumn-nights"); r.Sale.State != core.Draft {
		t.Fatalf("a refused change moved the sale to %v", r.Sale.State)
	}
	loop.down = false
	if _, err := w.Catalog.Admin.ChangeSale(ctx, "autumn-nights", catalog.SaleChange{State: &onSale}); err != nil {
		t.Fatalf("on sale once a worker answers: %v", err)
	}
	// The opening scheduled with the sale holds: the first fan waits for the draw.
	st, err := w.Queue.Entrance.Issue(ctx, "ann", "autumn-nights")
	if err != nil || st.OpensAt.IsZero() {
		t.Fatalf("the first fan of a sale that opens in an hour: %+v, %v; want the opening", st, err)
	}
	if _, err := w.Catalog.Admin.ChangeSale(ctx, "no-such-sale", catalog.SaleChange{State: &onSale}); !errors.Is(err, catalog.ErrUnknownSale) {
		t.Fatalf("an unknown sale: %v", err)
	}
}
