package main

// The latency walk: fans walk the whole booking flow (token, poll until admitted, dates, seats,
// hold, charge, balance, pay) one after another, a bounded number of times, against a running
// boxoffice on a loopback address, and it prints each endpoint's latency. It measures; it
// asserts nothing.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// latencyEndpoints are the calls of the walk, in its order.
var latencyEndpoints = []string{"POST /api/token", "GET /api/token", "GET /api/tickets/dates", "GET /api/tickets/seats",
	"POST /api/tickets", "POST /api/balance", "GET /api/balance", "POST /api/payment"}

// runLatency is `measure latency`.
func runLatency(args []string) error {
	fs := flag.NewFlagSet("measure latency", flag.ContinueOnError)
	base := fs.String("base", "http://127.0.0.1:8080", "boxoffice base URL (loopback only)")
	fans := fs.Int("fans", 50, "fans to walk through the flow, one after another (1 to 150)")
	limit := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := apiclient.RequireLoopback(*base); err != nil {
		return err
	}
	if *fans < 1 || *fans > 150 {
		return errors.New("-fans must be 1 to 150 (the demo sale has 150 seats)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	api, err := apiclient.NewClientWithResponses(*base, apiclient.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	if err != nil {
		return err
	}
	rec := newRecorder()
	stamp := time.Now().Unix()
	for i := range *fans {
		if err := walk(ctx, api, rec, fmt.Sprintf("latency-%d-%d", stamp, i)); err != nil {
			return fmt.Errorf("fan %d: %w", i, err)
		}
	}
	fmt.Printf("%-28s %5s %9s %9s %9s\n", "endpoint", "n", "p50", "p90", "max")
	for _, name := range latencyEndpoints {
		d := slices.Clone(rec.calls[name].latencies)
		slices.Sort(d)
		fmt.Printf("%-28s %5d %9s %9s %9s\n", name, len(d), pct(d, 50), pct(d, 90), d[len(d)-1].Round(time.Microsecond))
	}
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	return d[(len(d)-1)*p/100].Round(time.Microsecond)
}

// walk is one fan through the whole flow, each step timed: a script, read top to bottom.
func walk(ctx context.Context, api *apiclient.ClientWithResponses, rec *recorder, user string) error {
	issued, err := timed(rec, "POST /api/token", func() (*apiclient.IssueTokenResponse, error) {
		return api.IssueTokenWithResponse(ctx, apiclient.Fan(user))
	})
	if err != nil || issued.JSON200 == nil {
		return fmt.Errorf("token: %w", failure(err, issued))
	}
	auth := apiclient.Bearer(issued.JSON200.Token)
	for active := issued.JSON200.Status == apiclient.Active; !active; {
		polled, err := timed(rec, "GET /api/token", func() (*apiclient.PollTokenResponse, error) { return api.PollTokenWithResponse(ctx, auth) })
		if err != nil || polled.JSON200 == nil {
			return fmt.Errorf("poll: %w", failure(err, polled))
		}
		if active = polled.JSON200.Status == apiclient.Active; !active {
			time.Sleep(50 * time.Millisecond)
		}
	}
	dates, err := timed(rec, "GET /api/tickets/dates", func() (*apiclient.ListDatesResponse, error) { return api.ListDatesWithResponse(ctx, auth) })
	if err != nil || dates.JSON200 == nil || len(*dates.JSON200) == 0 {
		return fmt.Errorf("dates: %w", failure(err, dates))
	}
	day, _ := time.Parse(time.DateOnly, (*dates.JSON200)[0])
	date := openapitypes.Date{Time: day}
	seats, err := timed(rec, "GET /api/tickets/seats", func() (*apiclient.ListSeatsResponse, error) {
		return api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &date}, auth)
	})
	if err != nil || seats.JSON200 == nil {
		return fmt.Errorf("seats: %w", failure(err, seats))
	}
	seat := -1
	for _, s := range *seats.JSON200 {
		if s.Status == apiclient.SeatBodyStatusAvailable {
			seat = int(s.SeatId)
			break
		}
	}
	if seat < 0 {
		return errors.New("no available seat on the first open date")
	}
	hold, err := timed(rec, "POST /api/tickets", func() (*apiclient.HoldSeatResponse, error) {
		return api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date, SeatId: int64(seat)}, auth)
	})
	if err != nil || hold.JSON200 == nil {
		return fmt.Errorf("hold: %w", failure(err, hold))
	}
	charged, err := timed(rec, "POST /api/balance", func() (*apiclient.ChargeBalanceResponse, error) {
		return api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: hold.JSON200.Price}, auth)
	})
	if err != nil || charged.JSON200 == nil {
		return fmt.Errorf("charge: %w", failure(err, charged))
	}
	if bal, err := timed(rec, "GET /api/balance", func() (*apiclient.ReadBalanceResponse, error) { return api.ReadBalanceWithResponse(ctx, auth) }); err != nil || bal.JSON200 == nil {
		return fmt.Errorf("balance: %w", failure(err, bal))
	}
	paid, err := timed(rec, "POST /api/payment", func() (*apiclient.PayResponse, error) {
		return api.PayWithResponse(ctx, nil, apiclient.PayJSONRequestBody{TicketId: hold.JSON200.TicketId, SeatId: int64(seat), Date: date}, auth)
	})
	if err != nil || paid.JSON200 == nil {
		return fmt.Errorf("pay: %w", failure(err, paid))
	}
	return nil
}

// failure explains a step that did not succeed: the transport error, or the status answered.
func failure(err error, r interface{ StatusCode() int }) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("unexpected status %d", r.StatusCode())
}
