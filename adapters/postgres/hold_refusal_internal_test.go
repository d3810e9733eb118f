package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// What hold_seat raises reads as booking's and catalog's errors; a detail this store cannot
// read, and any other error, is passed on as an error, never as a refusal.
func TestHoldRefusalReadsWhatHoldSeatRaises(t *testing.T) {
	raised := func(code, detail string) error { return &pgconn.PgError{Code: code, Detail: detail} }
	var tooMany *booking.TooManyHoldsError
	if err := holdRefusal(raised("BX001", "2 2 1 0 2030-06-01T12:05:00.000000Z"), 1); !errors.As(err, &tooMany) ||
		tooMany.Limit != 2 || !tooMany.FreeAt.Equal(time.Date(2030, 6, 1, 12, 5, 0, 0, time.UTC)) {
		t.Errorf("BX001 with holds: %v", err)
	}
	if err := holdRefusal(raised("BX001", "2 0 0 2 2030-06-01T12:00:00.000000Z"), 1); !errors.Is(err, booking.ErrTicketLimit) {
		t.Errorf("BX001 with bought tickets only: %v", err)
	}
	// An order's count is of seats: 1 held and 3 asked pass a limit of 3, which 1 more would not.
	if err := holdRefusal(raised("BX001", "3 1 1 0 2030-06-01T12:05:00.000000Z"), 3); !errors.As(err, &tooMany) || tooMany.Limit != 3 {
		t.Errorf("BX001 for an order of 3 with a hold: %v", err)
	}
	if err := holdRefusal(raised("BX001", "3 1 1 0 2030-06-01T12:05:00.000000Z"), 1); errors.As(err, &tooMany) {
		t.Errorf("BX001 for 1 seat of a count the limit allows read as a refusal: %v", err)
	}
	for detail, want := range map[string]error{"cancelled": catalog.ErrPerformanceCancelled, "": catalog.ErrUnknownSale,
		"paused": catalog.ErrSalePaused, "closed": catalog.ErrSaleClosed, "draft": catalog.ErrUnknownSale} {
		if err := holdRefusal(raised("BX002", detail), 1); !errors.Is(err, want) {
			t.Errorf("BX002 %q: %v, want %v", detail, err, want)
		}
	}
	for _, err := range []error{
		raised("BX001", "not a count"),
		raised("BX001", "2 2 1 0 yesterday"),
		raised("BX001", "4 1 1 0 2030-06-01T12:00:00.000000Z"), // a count the limit allows
		raised("BX002", "sold_out"),
		raised("40001", ""),
	} {
		got := holdRefusal(err, 1)
		if got == nil || errors.Is(got, booking.ErrSeatTaken) || errors.As(got, &tooMany) || errors.Is(got, catalog.ErrSalePaused) {
			t.Errorf("holdRefusal(%v) = %v, want an error that is no refusal", err, got)
		}
	}
}
