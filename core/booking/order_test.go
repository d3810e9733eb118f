package booking_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

func TestOrderRequestCheckNamesTheField(t *testing.T) {
	p := catalog.Performance{Date: core.Date{}, Sections: []catalog.Section{
		{Name: "Stalls", FirstSeat: 1, LastSeat: 5, Price: 90_000},
		{Name: "Balcony", FirstSeat: 6, LastSeat: 10, Price: 50_000},
	}}
	wish := func(n int, section string) booking.OrderRequest {
		return booking.OrderRequest{Wish: catalog.SeatWish{Quantity: n, Section: section}}
	}
	for _, tc := range []struct {
		name  string
		q     booking.OrderRequest
		field string // empty: accepted
	}{
		{"chosen seats", booking.OrderRequest{Seats: []int{3, 1, 7}}, ""},
		{"the best available", wish(2, "Balcony"), ""},
		{"both", booking.OrderRequest{Seats: []int{1}, Wish: catalog.SeatWish{Quantity: 1}}, "seat_ids"},
		{"neither", booking.OrderRequest{}, "seat_ids"},
		{"a seat off the map", booking.OrderRequest{Seats: []int{1, 11}}, "seat_ids"},
		{"a seat twice", booking.OrderRequest{Seats: []int{2, 1, 2}}, "seat_ids"},
		{"more seats than the limit", booking.OrderRequest{Seats: []int{1, 2, 3, 4, 5}}, "seat_ids"},
		{"no seat of a section", wish(0, "Stalls"), "quantity"},
		{"more than the limit", wish(5, ""), "quantity"},
		{"no such section", wish(1, "Foyer"), "section"},
	} {
		err := tc.q.Check(p, 4)
		var invalid *core.InvalidFieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", tc.name, err)
		case tc.field != "" && (!errors.As(err, &invalid) || invalid.Field != tc.field):
			t.Errorf("%s: %v, want it refused naming %s", tc.name, err, tc.field)
		}
	}
}

func TestSeatsTakenErrorNamesEverySeat(t *testing.T) {
	for seats, want := range map[string][]int{
		"seat 20 is already reserved":             {20},
		"seats 20 and 21 are already reserved":    {20, 21},
		"seats 3, 20 and 21 are already reserved": {3, 20, 21},
	} {
		if got := (&booking.SeatsTakenError{Taken: want}).Error(); !strings.HasPrefix(got, seats) {
			t.Errorf("taken %v reads %q, want it to begin %q", want, got, seats)
		}
	}
}
