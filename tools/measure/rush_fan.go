package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// outcome is how a fan's visit ended.
type outcome string

const (
	bought         outcome = "bought"
	soldOut        outcome = "left: sold out"
	abandonedQueue outcome = "abandoned in the queue"
	abandonedHold  outcome = "held seats and never paid"
	gaveUp         outcome = "gave up after losing every try"
	failed         outcome = "failed (unexpected answer)"
	timedOut       outcome = "still going when time ran out"
)

// fan is one simulated fan's plan and what happened to it.
type fan struct {
	user string
	// sale is the sale this visit queues for; "" is the default sale. A fan may visit two.
	sale    string
	arrival time.Time
	api     *apiclient.ClientWithResponses
	// stream, if set, is how this fan follows its place: Server-Sent Events instead of polling.
	stream *streamer
	// abandonAt is the step at which this fan walks away, or "" for a fan who sees it through.
	abandonAt string
	// quantity is how many seats the fan buys, and way how they ask for them.
	quantity int
	way      way

	outcome    outcome
	token      string
	hold       *apiclient.HoldBody    // the seat held on its own (wayOneSeat), once held
	order      *apiclient.OrderBody   // the order held (every other way), once held
	receipt    *apiclient.ReceiptBody // the payment's receipt, once paid
	seq        int64
	admittedAt time.Time
	ticketAt   time.Time // when the payment succeeded
	err        error
}

// way is how a fan asks for seats: one seat with the seed's POST /api/tickets, or an order of
// chosen seats, of the best available, or of the best available side by side.
type way string

const (
	wayOneSeat  way = "one seat"
	wayChosen   way = "chosen seats"
	wayBest     way = "best available"
	wayTogether way = "best available together"
)

// plan draws what a fan buys, as fans in a rush do: most want one or two seats, some a family's
// four; a single seat is bought the seed's way half the time.
func plan() (int, way) {
	quantity := []int{1, 1, 1, 1, 2, 2, 2, 3, 4, 4}[rand.IntN(10)]
	if quantity == 1 && rand.IntN(2) == 0 {
		return 1, wayOneSeat
	}
	return quantity, []way{wayChosen, wayBest, wayTogether}[rand.IntN(3)]
}

// sale is shared knowledge among a sale's fans: once one sees no dates left, waiting fans go
// home.
type sale struct {
	id        string
	soldOut   atomic.Bool
	soldOutAt atomic.Int64 // unix nanoseconds
}

func (f *fan) visit(ctx context.Context, rec *recorder, s *sale, holdRetries int) {
	defer func() {
		// A bug in one fan must not end the rush before it stops what it spawned.
		if r := recover(); r != nil {
			f.outcome, f.err = failed, fmt.Errorf("panic: %v", r)
		}
	}()
	f.outcome = f.run(ctx, rec, s, holdRetries)
	if ctx.Err() != nil && f.outcome == failed {
		f.outcome = timedOut
	}
}

// poll polls until the token is active; an outcome other than "" ends the visit.
func (f *fan) poll(ctx context.Context, rec *recorder, s *sale, status apiclient.TokenBody, giveUpAt time.Time) (apiclient.TokenBody, outcome) {
	auth := apiclient.Bearer(f.token)
	for status.Status != apiclient.Active {
		if s.soldOut.Load() {
			return status, soldOut
		}
		if !giveUpAt.IsZero() && time.Now().After(giveUpAt) {
			return status, abandonedQueue
		}
		if !sleep(ctx, pollInterval(status.QueueInfo.EstimatedWaitTime)) {
			return status, failed
		}
		polled, err := timed(rec, "GET /api/token", func() (*apiclient.PollTokenResponse, error) { return f.api.PollTokenWithResponse(ctx, auth) })
		if f.err = answer(err, polled, err == nil && polled.JSON200 != nil); f.err != nil {
			return status, failed
		}
		status = *polled.JSON200
	}
	return status, ""
}

// run is one fan's visit as a script, step after step (token, wait, dates, seats, holds with
// retries, top-up, payment): long because the visit is, and read top to bottom.
func (f *fan) run(ctx context.Context, rec *recorder, s *sale, holdRetries int) outcome {
	issued, err := timed(rec, "POST /api/token", func() (*apiclient.IssueTokenResponse, error) {
		body := apiclient.Fan(f.user)
		if f.sale != "" {
			body = apiclient.FanOf(f.user, f.sale)
		}
		return f.api.IssueTokenWithResponse(ctx, body)
	})
	if f.err = answer(err, issued, err == nil && issued.JSON200 != nil); f.err != nil {
		return failed
	}
	f.token = issued.JSON200.Token
	auth := apiclient.Bearer(f.token)
	f.seq = tokenSeq(f.token)
	status := *issued.JSON200

	// Wait for admission: streaming, or polling at a pace set by the estimate (a polite client).
	giveUpAt := time.Time{}
	if f.abandonAt == "queue" {
		giveUpAt = time.Now().Add(time.Duration(rand.Int64N(int64(5 * time.Second))))
	}
	wait := f.poll
	if f.stream != nil {
		wait = f.follow
	}
	if status, out := wait(ctx, rec, s, status, giveUpAt); out != "" {
		return out
	} else if status.AdmittedAt != nil {
		f.admittedAt = *status.AdmittedAt
	}

	if out := f.take(ctx, rec, s, holdRetries); out != "" {
		return out
	}
	if f.abandonAt == "hold" {
		return abandonedHold
	}

	charged, err := timed(rec, "POST /api/balance", func() (*apiclient.ChargeBalanceResponse, error) {
		// A careful client: each write carries an Idempotency-Key, so a retry can never charge twice.
		key := f.user + "-" + f.sale + "-charge"
		return f.api.ChargeBalanceWithResponse(ctx, &apiclient.ChargeBalanceParams{IdempotencyKey: &key}, apiclient.ChargeBalanceJSONRequestBody{Amount: f.total()}, auth)
	})
	if f.err = answer(err, charged, err == nil && charged.JSON200 != nil); f.err != nil {
		return failed
	}
	paid, err := timed(rec, f.payEndpoint(), func() (*payment, error) { return f.pay(ctx) })
	if f.err = answer(err, paid, err == nil && paid.receipt != nil); f.err != nil {
		return failed
	}
	f.ticketAt = time.Now()
	f.receipt = paid.receipt
	return bought
}

// take holds what the fan wants, trying again on 409 (seats lost to faster fans, or not enough
// together on the date tried) up to holdRetries times; an outcome other than "" ends the visit.
func (f *fan) take(ctx context.Context, rec *recorder, s *sale, holdRetries int) outcome {
	auth := apiclient.Bearer(f.token)
	for try := 0; f.hold == nil && f.order == nil; try++ {
		if try == holdRetries {
			return gaveUp
		}
		dates, err := timed(rec, "GET /api/tickets/dates", func() (*apiclient.ListDatesResponse, error) { return f.api.ListDatesWithResponse(ctx, auth) })
		if f.err = answer(err, dates, err == nil && dates.JSON200 != nil); f.err != nil {
			return failed
		}
		if len(*dates.JSON200) == 0 {
			if s.soldOut.CompareAndSwap(false, true) {
				s.soldOutAt.Store(time.Now().UnixNano())
			}
			return soldOut
		}
		day, _ := time.Parse(time.DateOnly, (*dates.JSON200)[rand.IntN(len(*dates.JSON200))])
		date := openapitypes.Date{Time: day}
		var lost bool
		if f.way == wayBest || f.way == wayTogether {
			lost, f.err = f.placeOrder(ctx, rec, apiclient.PlaceOrderJSONRequestBody{Date: date, Quantity: ptr(int64(f.quantity)), Together: ptr(f.way == wayTogether)})
		} else {
			lost, f.err = f.choose(ctx, rec, date)
		}
		if f.err != nil {
			return failed
		}
		if lost {
			continue
		}
	}
	return ""
}

// choose lists the date's seats and holds f.quantity random available ones: on its own for one
// seat the seed's way, else as an order of chosen seats. It reports a race lost (409), or a date
// with fewer seats free than wanted.
func (f *fan) choose(ctx context.Context, rec *recorder, date openapitypes.Date) (lost bool, err error) {
	auth := apiclient.Bearer(f.token)
	seats, err := timed(rec, "GET /api/tickets/seats", func() (*apiclient.ListSeatsResponse, error) {
		return f.api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &date}, auth)
	})
	if err := answer(err, seats, err == nil && seats.JSON200 != nil); err != nil {
		return false, err
	}
	var free []int64
	for _, st := range *seats.JSON200 {
		if st.Status == apiclient.SeatBodyStatusAvailable {
			free = append(free, st.SeatId)
		}
	}
	if len(free) < f.quantity {
		return true, nil
	}
	rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	if f.way == wayOneSeat {
		held, err := timed(rec, "POST /api/tickets", func() (*apiclient.HoldSeatResponse, error) {
			return f.api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date, SeatId: free[0]}, auth)
		})
		if err == nil && held.StatusCode() == http.StatusConflict {
			return true, nil // lost the race for that seat
		}
		if err := answer(err, held, err == nil && held.JSON200 != nil); err != nil {
			return false, err
		}
		f.hold = held.JSON200
		return false, nil
	}
	chosen := free[:f.quantity]
	return f.placeOrder(ctx, rec, apiclient.PlaceOrderJSONRequestBody{Date: date, SeatIds: &chosen})
}

// placeOrder places an order; a 409 (a chosen seat taken, or not enough seats as asked) is a
// race lost.
func (f *fan) placeOrder(ctx context.Context, rec *recorder, body apiclient.PlaceOrderJSONRequestBody) (lost bool, err error) {
	placed, err := timed(rec, "POST /api/orders", func() (*apiclient.PlaceOrderResponse, error) {
		return f.api.PlaceOrderWithResponse(ctx, body, apiclient.Bearer(f.token))
	})
	if err == nil && placed.StatusCode() == http.StatusConflict {
		return true, nil
	}
	if err := answer(err, placed, err == nil && placed.JSON201 != nil); err != nil {
		return false, err
	}
	f.order = placed.JSON201
	return false, nil
}

// total is what the fan's hold costs.
func (f *fan) total() int64 {
	if f.order != nil {
		return f.order.Total
	}
	return f.hold.Price
}

// seats is how many seats the fan holds.
func (f *fan) seats() int {
	if f.order != nil {
		return len(f.order.Tickets)
	}
	return 1
}

func ptr[T any](v T) *T { return &v }

// pollInterval follows the server's estimate: half the remaining wait, between 250 ms and 15 s,
// so fans far back poll rarely and fans near the front often.
func pollInterval(estimate string) time.Duration {
	d := parseISODuration(estimate) / 2
	return min(max(d, 250*time.Millisecond), 15*time.Second)
}

// parseISODuration reads the PTnHnMnS durations the API writes; anything else is 0.
func parseISODuration(s string) time.Duration {
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok {
		return 0
	}
	var total time.Duration
	var n int64
	for _, c := range rest {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
		case c == 'H':
			total, n = total+time.Duration(n)*time.Hour, 0
		case c == 'M':
			total, n = total+time.Duration(n)*time.Minute, 0
		case c == 'S':
			total, n = total+time.Duration(n)*time.Second, 0
		default:
			return 0
		}
	}
	return total
}

// tokenSeq reads the queue sequence number from the token's (unverified) claims.
func tokenSeq(token string) int64 {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0
	}
	var claims struct {
		Seq int64 `json:"seq"`
	}
	_ = json.Unmarshal(raw, &claims)
	return claims.Seq
}

// answer turns a call into an error unless it succeeded with the expected body; ok must be
// false whenever err is set (the response is nil then).
func answer(err error, r interface{ StatusCode() int }, ok bool) error {
	if err != nil {
		return err
	}
	if !ok {
		return &statusError{code: r.StatusCode(), body: bodyOf(r)}
	}
	return nil
}

// statusError is an answer the fan did not expect, with its body (a problem, most often).
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string {
	if e.body == "" {
		return http.StatusText(e.code)
	}
	return fmt.Sprintf("%s: %s", http.StatusText(e.code), e.body)
}

// bodyOf is the body of a generated client's response (its Body field), for the report.
func bodyOf(r any) string {
	v := reflect.ValueOf(r)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	if f := v.Elem().FieldByName("Body"); f.IsValid() && f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8 {
		return strings.TrimSpace(string(f.Bytes()))
	}
	return ""
}

func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// payment is a payment's answer, of a seat or of an order: its status, and its receipt once
// paid.
type payment struct {
	code    int
	receipt *apiclient.ReceiptBody
	Body    []byte // as the generated responses name it, for the report (bodyOf)
}

// StatusCode is the answer's status.
func (p *payment) StatusCode() int { return p.code }

// payEndpoint is the endpoint the fan pays with, as the report names it.
func (f *fan) payEndpoint() string {
	if f.order != nil {
		return "POST /api/orders/{order_id}/payment"
	}
	return "POST /api/payment"
}

// pay pays for what the fan holds with the fan's idempotency key; retrying it is safe.
func (f *fan) pay(ctx context.Context) (*payment, error) {
	key := f.user + "-" + f.sale + "-pay"
	if f.order != nil {
		res, err := f.api.PayOrderWithResponse(ctx, f.order.OrderId, &apiclient.PayOrderParams{IdempotencyKey: &key}, apiclient.Bearer(f.token))
		if err != nil {
			return nil, err
		}
		p := &payment{code: res.StatusCode(), Body: res.Body}
		if res.JSON200 != nil {
			p.receipt = &res.JSON200.Receipt
		}
		return p, nil
	}
	res, err := f.api.PayWithResponse(ctx, &apiclient.PayParams{IdempotencyKey: &key},
		apiclient.PayJSONRequestBody{TicketId: f.hold.TicketId, SeatId: f.hold.SeatId, Date: f.hold.Date}, apiclient.Bearer(f.token))
	if err != nil {
		return nil, err
	}
	p := &payment{code: res.StatusCode(), Body: res.Body}
	if res.JSON200 != nil {
		p.receipt = &res.JSON200.Receipt
	}
	return p, nil
}
