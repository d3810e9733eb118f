package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// buyTogether is the orders' part of the end-to-end run, on PostgreSQL and the Temporal dev
// server with the worker as in production: a family of four takes the best four seats side by
// side and pays them once; another fan's chosen seats overlapping theirs are refused, naming
// the seats taken; an order nobody pays is released whole by its one workflow at its deadline.
// It returns the ids of the order paid and of the order released.
func buyTogether(t *testing.T, sys *e2eSystem, show string) (paidOrder, releasedOrder string) {
	t.Helper()
	ctx := context.Background()
	api := sys.api
	fam := fan(t, api, "family")
	four, together := int64(4), true
	placed, err := api.PlaceOrderWithResponse(ctx, apiclient.PlaceOrderJSONRequestBody{Date: date(t, show), Quantity: &four, Together: &together}, apiclient.Bearer(fam))
	if err != nil || placed.JSON201 == nil || len(placed.JSON201.Tickets) != 4 {
		t.Fatalf("a family's order of four together: %v %s", err, placed.Body)
	}
	order := placed.JSON201
	first := order.Tickets[0].SeatId
	for i, tk := range order.Tickets {
		if tk.SeatId != first+int64(i) {
			t.Fatalf("the family's seats %+v are not side by side", order.Tickets)
		}
	}
	// Another fan chooses two seats, one of them the family's: refused whole, naming it.
	gus := fan(t, api, "gus")
	overlap := []int64{first + 3, first + 4}
	refused, err := api.PlaceOrderWithResponse(ctx, apiclient.PlaceOrderJSONRequestBody{Date: date(t, show), SeatIds: &overlap}, apiclient.Bearer(gus))
	if err != nil {
		t.Fatal(err)
	}
	if refused.StatusCode() != 409 || refused.ApplicationproblemJSON409 == nil || refused.ApplicationproblemJSON409.Taken == nil ||
		len(*refused.ApplicationproblemJSON409.Taken) != 1 || (*refused.ApplicationproblemJSON409.Taken)[0] != first+3 {
		t.Fatalf("gus's overlapping order: %d %s; want 409 naming seat %d", refused.StatusCode(), refused.Body, first+3)
	}

	if charged, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: order.Total}, apiclient.Bearer(fam)); err != nil || charged.JSON200 == nil {
		t.Fatalf("the family's top-up: %v", err)
	}
	key := "family-order-1"
	paid, err := api.PayOrderWithResponse(ctx, order.OrderId, &apiclient.PayOrderParams{IdempotencyKey: &key}, apiclient.Bearer(fam))
	if err != nil || paid.JSON200 == nil || paid.JSON200.Receipt.Amount != order.Total || len(paid.JSON200.Tickets) != 4 {
		t.Fatalf("the family's payment: %v %d %s", err, paid.StatusCode(), paid.Body)
	}
	for _, tk := range paid.JSON200.Tickets {
		if tk.Credential == nil || *tk.Credential == "" {
			t.Fatalf("ticket %s paid without a credential", tk.TicketId)
		}
	}
	if st := awaitHoldWorkflow(t, sys.server, reservation.OrderWorkflowID(order.OrderId.String())); st.Status != reservation.StatusPaid || st.Order == nil || len(st.Order.Tickets) != 4 {
		t.Fatalf("the order's workflow ended %+v, want paid with four receipts", st)
	}
	again, err := api.PayOrderWithResponse(ctx, order.OrderId, &apiclient.PayOrderParams{IdempotencyKey: &key}, apiclient.Bearer(fam))
	if err != nil || again.JSON200 == nil || again.JSON200.Receipt != paid.JSON200.Receipt {
		t.Fatalf("the retried payment: %d %s, want the first receipt", again.StatusCode(), again.Body)
	}

	// Gus's order of two is left unpaid: its workflow releases both seats at the deadline.
	two := int64(2)
	left, err := api.PlaceOrderWithResponse(ctx, apiclient.PlaceOrderJSONRequestBody{Date: date(t, show), Quantity: &two}, apiclient.Bearer(gus))
	if err != nil || left.JSON201 == nil {
		t.Fatalf("gus's order of two: %s", left.Body)
	}
	if st := awaitHoldWorkflow(t, sys.server, reservation.OrderWorkflowID(left.JSON201.OrderId.String())); st.Status != reservation.StatusReleased {
		t.Fatalf("gus's unpaid order ended %s, want released", st.Status)
	}
	shown, err := api.ShowOrderWithResponse(ctx, left.JSON201.OrderId, apiclient.Bearer(gus))
	if err != nil || shown.JSON200 == nil || shown.JSON200.Status != apiclient.OrderBodyStatusReleased {
		t.Fatalf("gus's order after its deadline: %s", shown.Body)
	}
	if charged, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: left.JSON201.Total}, apiclient.Bearer(gus)); err != nil || charged.JSON200 == nil {
		t.Fatalf("gus's top-up: %v", err)
	}
	if late, err := api.PayOrderWithResponse(ctx, left.JSON201.OrderId, nil, apiclient.Bearer(gus)); err != nil || late.StatusCode() != 409 {
		t.Fatalf("paying a released order: %v, want 409", err)
	}
	// Its seats are free again: gus takes them as chosen seats.
	seats := make([]int64, len(left.JSON201.Tickets))
	for i, tk := range left.JSON201.Tickets {
		seats[i] = tk.SeatId
	}
	if again, err := api.PlaceOrderWithResponse(ctx, apiclient.PlaceOrderJSONRequestBody{Date: date(t, show), SeatIds: &seats}, apiclient.Bearer(gus)); err != nil || again.JSON201 == nil {
		t.Fatalf("the released order's seats %v taken again: %v", seats, err)
	}
	return order.OrderId.String(), left.JSON201.OrderId.String()
}

// awaitHoldWorkflow waits for a hold's workflow (a seat's or an order's) to end and returns its
// state; a won hold answers before its workflow starts, so it waits for it to exist first.
func awaitHoldWorkflow(t *testing.T, server *testsuite.DevServer, workflowID string) reservation.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var st reservation.State
	for {
		err := server.Client().GetWorkflow(ctx, workflowID, "").Get(ctx, &st)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("workflow %s: %v", workflowID, err)
		}
		return st
	}
}
