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
	if err := holdRefusal(raised("BX001", "2 2 1 0 2030-06-01T12:05:00.000000Z")); !errors.As(err, &tooMany) ||
		tooMany.Limit != 2 || !tooMany.FreeAt.Equal(time.Date(2030, 6, 1, 12, 5, 0, 0, time.UTC)) {
		t.Errorf("BX001 with holds: %v", err)
	}
	if err := holdRefusal(raised("BX001", "2 0 0 2 2030-06-01T12:00:00.000000Z")); !errors.Is(err, booking.ErrTicketLimit) {
		t.Errorf("BX001 with bought tickets only: %v", err)
	}
	for detail, want := range map[string]error{"cancelled": catalog.ErrPerformanceCancelled, "": catalog.ErrUnknownSale,
		"paused": catalog.ErrSalePaused, "closed": catalog.ErrSaleClosed, "draft": catalog.ErrUnknownSale} {
		if err := holdRefusal(raised("BX002", detail)); !errors.Is(err, want) {
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
		got := holdRefusal(err)
		if got == nil || errors.Is(got, booking.ErrSeatTaken) || errors.As(got, &tooMany) || errors.Is(got, catalog.ErrSalePaused) {
			t.Errorf("holdRefusal(%v) = %v, want an error that is no refusal", err, got)
		}
	}
}
