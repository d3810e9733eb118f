package catalog_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// requireField fails unless err refuses field saying says.
func requireField(t *testing.T, err error, field, says string) {
	t.Helper()
	var bad *core.InvalidFieldError
	if !errors.As(err, &bad) || bad.Field != field || !strings.Contains(bad.Reason, says) {
		t.Fatalf("%v, want %s refused saying %q", err, field, says)
	}
}

// dates are n performances from 2030-09-01 on, each of seats seats in one section.
func dates(n, seats int) []catalog.PerformanceSpec {
	out := make([]catalog.PerformanceSpec, n)
	for i := range out {
		out[i] = catalog.PerformanceSpec{Date: time.Date(2030, 9, 1+i, 0, 0, 0, 0, time.UTC).Format(core.DateLayout),
			Sections: []catalog.Section{{Name: "All", FirstSeat: 1, LastSeat: seats, Price: 1_000}}}
	}
	return out
}

// A sale is bounded in dates and in seats, so one request cannot make the stores write a
// million seats: the hostile client's ten dates of 100,000 seats are refused at the sixth.
func TestASaleIsBoundedInDatesAndSeats(t *testing.T) {
	spec := concert()
	spec.Performances = dates(catalog.MaxPerformances+1, 1)
	_, _, err := catalog.NewSale(spec, apptest.Start)
	requireField(t, err, "performances", fmt.Sprintf("at most %d performances", catalog.MaxPerformances))

	spec.Performances = dates(10, catalog.MaxSeats)
	_, _, err = catalog.NewSale(spec, apptest.Start)
	requireField(t, err, "performances[5].sections", "would take the sale to 600000, past the 500000")

	spec.Performances = dates(catalog.MaxPerformances, catalog.MaxSaleSeats/catalog.MaxPerformances)
	if _, perfs, err := catalog.NewSale(spec, apptest.Start); err != nil || len(perfs) != catalog.MaxPerformances {
		t.Fatalf("a sale at both limits: %d performances, %v", len(perfs), err)
	}

	// A date added later counts the dates and seats the sale has.
	var others []catalog.Performance
	for _, ps := range dates(5, catalog.MaxSeats) {
		p, err := catalog.NewPerformance("s", ps, apptest.Start)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, p)
	}
	one, _ := catalog.NewPerformance("s", dates(6, 1)[5], apptest.Start)
	requireField(t, catalog.CheckRoom("", one, others), "sections", "its 1 seats would take the sale to 500001")
	if err := catalog.CheckRoom("", one, others[1:]); err != nil {
		t.Fatalf("room for one seat: %v", err)
	}

	w := apptest.New(t, app.DefaultPolicy)
	spec.Performances = dates(catalog.MaxPerformances, 1)
	if _, err := w.Catalog.Admin.CreateSale(ctx, spec); err != nil {
		t.Fatal(err)
	}
	_, err = w.Catalog.Admin.AddPerformance(ctx, "autumn-nights", catalog.PerformanceSpec{Date: "2031-01-01", Sections: one.Sections})
	requireField(t, err, "date", "this one would be performance 101")
	if r, _ := w.Catalog.Admin.Report(ctx, "autumn-nights"); len(r.Performances) != catalog.MaxPerformances {
		t.Fatalf("a refused date was added: %d performances", len(r.Performances))
	}
}

// A show starts on its date, in the offset it is written with, or in the small hours after.
func TestAShowStartsOnItsDate(t *testing.T) {
	for start, ok := range map[string]bool{
		"2030-09-01T19:30:00+09:00": true, "2030-09-01T00:00:00-12:00": true, "2030-09-01T23:30:00-05:00": true,
		"2030-09-02T00:30:00+09:00": true, "2030-09-02T05:59:59+01:00": true,
		"2030-09-02T06:00:00+01:00": false, "2030-08-31T23:00:00Z": false, "2030-09-02T10:00:00+14:00": false,
		"9999-12-31T23:59:59Z": false, "2030-09-03T01:00:00Z": false,
	} {
		at, err := time.Parse(time.RFC3339, start)
		if err != nil {
			t.Fatal(err)
		}
		spec := concert()
		spec.Performances[0].StartsAt = at
		_, perfs, err := catalog.NewSale(spec, apptest.Start)
		if ok {
			if err != nil || !perfs[0].StartsAt.Equal(at) || perfs[0].StartsAt.Location() != time.UTC {
				t.Errorf("starts_at %s on 2030-09-01: %v, %v", start, perfs, err)
			}
			continue
		}
		var bad *core.InvalidFieldError
		if !errors.As(err, &bad) || bad.Field != "performances[0].starts_at" || !strings.Contains(bad.Reason, "is not on 2030-09-01") {
			t.Errorf("starts_at %s on 2030-09-01: %v, want it refused as not on its date", start, err)
		}
	}
}
