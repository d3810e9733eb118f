package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// The demo sale: three dates a week apart starting 30 days from today, each with 50 seats by
// default in three sections (Floor, Stalls, Balcony), on sale at once.
const (
	demoSale  core.SaleID = "boxoffice-live"
	demoTitle             = "Boxoffice Live"
	demoVenue             = "Boxoffice Arena"
	demoDates             = 3
)

// demoSections are the seat map of n seats: the first fifth Floor at 80,000 won, the next three
// fifths Stalls at 50,000, the rest Balcony at 30,000; under 5 seats, one section at 50,000.
func demoSections(n int) []catalog.Section {
	if n < 5 {
		return []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: n, Price: 50_000}}
	}
	floor, stalls := n/5, n*4/5
	return []catalog.Section{
		{Name: "Floor", FirstSeat: 1, LastSeat: floor, Price: 80_000},
		{Name: "Stalls", FirstSeat: floor + 1, LastSeat: stalls, Price: 50_000},
		{Name: "Balcony", FirstSeat: stalls + 1, LastSeat: n, Price: 30_000},
	}
}

// demoSpec is the demo sale for dates from today.
func demoSpec(today core.Date, seats int) catalog.SaleSpec {
	spec := catalog.SaleSpec{ID: string(demoSale), Title: demoTitle, Venue: demoVenue,
		Cancellation: &catalog.CancellationPolicy{UntilBeforeShow: 48 * time.Hour, FeePercent: 10}}
	for i := range demoDates {
		spec.Performances = append(spec.Performances, catalog.PerformanceSpec{
			Date: today.AddDays(30 + 7*i).String(), Sections: demoSections(seats),
		})
	}
	return spec
}

// loadDemo puts the demo sale on through the operators' use case, as POST /api/admin/sales
// does; a demo sale already there is left as it is.
func loadDemo(ctx context.Context, admin *catalog.Admin, today core.Date, seats int) (catalog.SaleReport, error) {
	r, err := admin.CreateSale(ctx, demoSpec(today, seats))
	if errors.Is(err, catalog.ErrSaleExists) {
		r, err = admin.Report(ctx, demoSale)
	}
	if err != nil {
		return catalog.SaleReport{}, fmt.Errorf("load the demo sale: %w", err)
	}
	return r, nil
}

// describeDemo is the demo sale in a line: its dates and sections.
func describeDemo(r catalog.SaleReport) string {
	dates := make([]string, len(r.Performances))
	for i, p := range r.Performances {
		dates[i] = p.Date.String()
	}
	var sections []string
	if len(r.Performances) > 0 {
		for _, s := range r.Performances[0].Sections {
			sections = append(sections, fmt.Sprintf("%s %d–%d at %d won", s.Name, s.FirstSeat, s.LastSeat, s.Price))
		}
	}
	return fmt.Sprintf("%s (%s): %s; %s", r.Sale.ID, r.Sale.Title, strings.Join(dates, ", "), strings.Join(sections, ", "))
}
