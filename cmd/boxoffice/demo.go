package main

import (
	"context"
	"fmt"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Demo concert: three dates a week apart starting 30 days from today, 50 seats each by
// default, 50,000 won a seat.
const (
	demoConcert = "Boxoffice Live"
	demoPrice   = core.Amount(50_000)
	demoDates   = 3
)

func demoPerformances(today core.Date, seats int) []catalog.Performance {
	perfs := make([]catalog.Performance, demoDates)
	for i := range perfs {
		perfs[i] = catalog.Performance{Date: today.AddDays(30 + 7*i), Concert: demoConcert, Price: demoPrice, Seats: seats}
	}
	return perfs
}

// loadDemo puts the demo concert on sale; dates already there are left as they are.
func loadDemo(ctx context.Context, catalog catalog.Store, today core.Date, seats int) ([]catalog.Performance, error) {
	perfs := demoPerformances(today, seats)
	for _, p := range perfs {
		if err := catalog.AddPerformance(ctx, p); err != nil {
			return nil, fmt.Errorf("load demo performance %s: %w", p.Date, err)
		}
	}
	return perfs, nil
}
