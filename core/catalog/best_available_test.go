package catalog_test

import (
	"slices"
	"testing"

	"github.com/boxoffice/boxoffice/core/catalog"
)

func TestBestAvailable(t *testing.T) {
	p := catalog.Performance{Sections: []catalog.Section{
		{Name: "Stalls", FirstSeat: 1, LastSeat: 6, Price: 90_000},
		{Name: "Balcony", FirstSeat: 7, LastSeat: 12, Price: 50_000},
	}}
	taken := map[int]bool{1: true, 3: true, 4: true, 8: true, 11: true}
	free := func(n int) bool { return !taken[n] }
	for _, tc := range []struct {
		wish      catalog.SeatWish
		seats     []int
		available int
	}{
		{catalog.SeatWish{Quantity: 3}, []int{2, 5, 6}, 3},              // lowest free, skipping taken ones
		{catalog.SeatWish{Quantity: 2, Together: true}, []int{5, 6}, 2}, // the lowest run in Stalls
		{catalog.SeatWish{Quantity: 3, Together: true}, nil, 2},         // runs of 2 at most, each section
		{catalog.SeatWish{Quantity: 4}, []int{7, 9, 10, 12}, 4},         // Stalls has 3: the first that can
		{catalog.SeatWish{Quantity: 2, Section: "Balcony", Together: true}, []int{9, 10}, 2},
		{catalog.SeatWish{Quantity: 5, Section: "Balcony"}, nil, 4}, // only the section asked
		{catalog.SeatWish{Quantity: 1, Section: "Foyer"}, nil, 0},   // no such section
	} {
		seats, available := p.BestAvailable(tc.wish, free)
		if !slices.Equal(seats, tc.seats) || available != tc.available {
			t.Errorf("BestAvailable(%+v) = %v, %d; want %v, %d", tc.wish, seats, available, tc.seats, tc.available)
		}
	}
}
