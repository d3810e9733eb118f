package core_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
)

func TestParseUserID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"fan-42", true}, {"a", true}, {"user.name_1@example.com", true}, {strings.Repeat("x", 64), true},
		{"", false}, {strings.Repeat("x", 65), false}, {"two words", false}, {"fan/1", false}, {"팬", false}, {"a\x00", false},
	} {
		_, err := core.ParseUserID(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseUserID(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
		var field *core.InvalidFieldError
		if err != nil && (!errors.As(err, &field) || field.Field != "user_id" || !errors.Is(err, core.ErrInvalid)) {
			t.Errorf("ParseUserID(%q) error %v is not an invalid user_id", tc.in, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2026-12-24", true}, {"2028-02-29", true},
		{"", false}, {"2026-02-30", false}, {"2026-13-01", false}, {"24-12-2026", false}, {"2026-12-24T00:00:00Z", false}, {"2026-1-5", false},
	} {
		d, err := core.ParseDate(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err == nil && d.String() != tc.in {
			t.Errorf("ParseDate(%q).String() = %q", tc.in, d)
		}
	}
}

func TestIDs(t *testing.T) {
	a, b := core.NewID(), core.NewID()
	if a == b {
		t.Fatal("two NewID calls returned the same id")
	}
	if got, err := core.ParseID("id", string(a)); err != nil || got != a {
		t.Fatalf("ParseID(NewID()) = %q, %v", got, err)
	}
	if got, err := core.ParseID("id", strings.ToUpper(string(a))); err != nil || got != a {
		t.Fatalf("ParseID of the upper-case form = %q, %v; want the canonical %q", got, err, a)
	}
	if a[14] != '7' {
		t.Fatalf("NewID %q is not version 7", a)
	}
	for _, bad := range []string{"", "not-a-uuid", string(a)[:35], string(a) + "0", strings.Replace(string(a), "-", "x", 1), "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"} {
		if _, err := core.ParseID("ticket_id", bad); !errors.Is(err, core.ErrInvalid) {
			t.Errorf("ParseID(%q) error = %v, want invalid", bad, err)
		}
	}
}

func TestIsDomainError(t *testing.T) {
	for _, err := range []error{catalog.ErrUnknownDate, queue.ErrTokenExpired, booking.ErrSeatTaken, wallet.ErrInsufficientBalance,
		booking.ErrHoldNotStarted, core.ErrIdempotencyMismatch, &booking.TooManyHoldsError{Limit: 4}, &queue.NotAdmittedError{}} {
		if !core.IsDomainError(err) {
			t.Errorf("%v is not recognised as a domain error", err)
		}
	}
	if core.IsDomainError(errors.New("connection reset")) {
		t.Error("an infrastructure failure counted as a domain error")
	}
}
