package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

var ctx = context.Background()

const showDate = apptest.ShowDate

var wantErr = apptest.WantErr

func TestBrowsing(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	active := w.Fan(t, "ann", true)
	waiting := w.Fan(t, "wes", false) // joins after the admission round
	dates, err := w.Catalog.Listings.OpenDates(ctx, active)
	if err != nil || len(dates) != 1 || dates[0].String() != showDate {
		t.Fatalf("dates %v, %v", dates, err)
	}
	seats, err := w.Catalog.Listings.Seats(ctx, active, showDate)
	if err != nil || len(seats) != 50 {
		t.Fatalf("seats %d, %v", len(seats), err)
	}
	for _, tc := range []struct {
		name   string
		caller core.Caller
		date   string
		want   error
	}{
		{"malformed date", active, "2030-7-1", core.ErrInvalid},
		{"no performance", active, "2030-07-02", catalog.ErrUnknownDate},
		{"past performance", active, "2030-05-31", catalog.ErrUnknownDate},
		{"not admitted", waiting, showDate, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Catalog.Listings.Seats(ctx, tc.caller, tc.date)
			if tc.want == nil {
				var na *queue.NotAdmittedError
				if !errors.As(err, &na) {
					t.Fatalf("error = %v, want NotAdmittedError", err)
				}
				return
			}
			wantErr(t, err, tc.want)
		})
	}
	if _, err := w.Catalog.Listings.OpenDates(ctx, waiting); err == nil {
		t.Fatal("a waiting fan listed dates")
	}
}
