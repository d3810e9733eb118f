package temporal

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

func TestPayErrorMapsWorkflowFailuresToCore(t *testing.T) {
	app := func(typ string, details ...any) error {
		return sdktemporal.NewNonRetryableApplicationError("refused", typ, nil, details...)
	}
	for _, tc := range []struct {
		name string
		in   error
		want error
	}{
		{"hold expired", app(reservation.ErrTypeHoldExpired), booking.ErrHoldExpired},
		{"not your ticket", app(reservation.ErrTypeNotYourTicket), booking.ErrNotYourTicket},
		{"unknown ticket", app(reservation.ErrTypeUnknownTicket), booking.ErrUnknownTicket},
		{"insufficient balance", app(reservation.ErrTypeInsufficientBalance, reservation.InsufficientBalance{Balance: 10, Needed: 50}), wallet.ErrInsufficientBalance},
		{"performance cancelled", app(reservation.ErrTypePerformanceCancelled), catalog.ErrPerformanceCancelled},
		{"workflow gone", serviceerror.NewNotFound("workflow not found"), booking.ErrHoldExpired},
		{"workflow finished, not started again", fmt.Errorf("failed workflow start: %w",
			serviceerror.NewWorkflowExecutionAlreadyStarted("finished", "", "")), booking.ErrHoldExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := payError(tc.in); !errors.Is(got, tc.want) {
				t.Fatalf("payError(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
	var short *wallet.InsufficientBalanceError
	if err := payError(app(reservation.ErrTypeInsufficientBalance, reservation.InsufficientBalance{Balance: 10, Needed: 50})); !errors.As(err, &short) || short.Balance != 10 || short.Needed != 50 {
		t.Fatalf("insufficient balance lost its amounts: %v", err)
	}
	infra := errors.New("deadline exceeded")
	if got := payError(infra); !errors.Is(got, infra) || errors.Is(got, core.ErrInvalid) {
		t.Fatalf("an infrastructure failure became %v", got)
	}
}

// A start is tried again only where Temporal may answer otherwise next time.
func TestOnlyTransientStartFailuresAreRetried(t *testing.T) {
	for _, tc := range []struct {
		err   error
		retry bool
	}{
		{serviceerror.NewUnavailable("overloaded"), true},
		{serviceerror.NewResourceExhausted(0, "busy"), true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("start: %w", serviceerror.NewDeadlineExceeded("slow")), true},
		{serviceerror.NewInvalidArgument("search attribute BoxofficeStatus is not defined"), false},
		{fmt.Errorf("start: %w", serviceerror.NewNamespaceNotFound("default")), false},
		{serviceerror.NewPermissionDenied("no", ""), false},
		{serviceerror.NewFailedPrecondition("namespace is not active"), false},
	} {
		if got := retryable(tc.err); got != tc.retry {
			t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.retry)
		}
	}
}
