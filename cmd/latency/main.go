// Command latency walks the whole booking flow (token, poll until admitted, dates, seats, hold,
// charge, balance, pay) a bounded number of times against a running boxoffice on a loopback
// address, one fan after another, and prints each endpoint's latency. It measures; it asserts
// nothing.
//
//	go run ./cmd/latency -base http://127.0.0.1:8080 -fans 50
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "boxoffice base URL (loopback only)")
	fans := flag.Int("fans", 50, "fans to walk through the flow, one after another (1 to 150)")
	limit := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(*base, *fans, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

type recorder map[string][]time.Duration

// timed runs f and records its duration under name.
func timed[T any](r recorder, name string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	r[name] = append(r[name], time.Since(start))
	return v, err
}

func run(base string, fans int, limit time.Duration) error {
	if err := apiclient.RequireLoopback(base); err != nil {
		return err
	}
	if fans < 1 || fans > 150 {
		return errors.New("-fans must be 1 to 150 (the demo concert has 150 seats)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	api, err := apiclient.NewClientWithResponses(base, apiclient.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	if err != nil {
		return err
	}
	rec := recorder{}
	stamp := time.Now().Unix()
	for i := range fans {
		if err := walk(ctx, api, rec, fmt.Sprintf("latency-%d-%d", stamp, i)); err != nil {
			return fmt.Errorf("fan %d: %w", i, err)
		}
	}
	fmt.Printf("%-28s %5s %9s %9s %9s\n", "endpoint", "n", "p50", "p90", "max")
	for _, name := range []string{"POST /api/token", "GET /api/token", "GET /api/tickets/dates", "GET /api/tickets/seats",
		"POST /api/tickets", "POST /api/balance", "GET /api/balance", "POST /api/payment"} {
		d := rec[name]
		slices.Sort(d)
		fmt.Printf("%-28s %5d %9s %9s %9s\n", name, len(d), pct(d, 50), pct(d, 90), d[len(d)-1].Round(time.Microsecond))
	}
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	return d[(len(d)-1)*p/100].Round(time.Microsecond)
}

func walk(ctx context.Context, api *apiclient.ClientWithResponses, rec recorder, user string) error {
	issued, err := timed(rec, "POST /api/token", func() (*apiclient.IssueTokenResponse, error) {
		return api.IssueTokenWithResponse(ctx, apiclient.IssueTokenJSONRequestBody{UserId: user})
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
