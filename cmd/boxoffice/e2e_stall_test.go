package main

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

// With the Temporal server stopped (SIGSTOP: it answers nothing and keeps its connections), a
// payment is answered 503 with Retry-After before the server's write timeout instead of losing
// its connection; once the server runs again, the retry with the same Idempotency-Key gets the
// receipt, and the fan is charged once. Meanwhile the operators' list of sales answers, and a
// sale's page marks its queue unavailable.
func TestAPaymentAnswersWhileTemporalIsStalled(t *testing.T) {
	sys := startSystem(t, 2*time.Minute)
	api := sys.api
	ctx := context.Background()
	tok := fan(t, api, "stalled-payer")
	show := firstDate(t, api, tok)
	hold, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date(t, show), SeatId: 3}, apiclient.Bearer(tok))
	if err != nil || hold.JSON200 == nil {
		t.Fatalf("hold: %v %s", err, hold.Body)
	}
	if c, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 100_000}, apiclient.Bearer(tok)); err != nil || c.JSON200 == nil {
		t.Fatalf("charge: %v %s", err, c.Body)
	}
	key := "stalled-payment-1"
	pay := func() *apiclient.PayResponse {
		t.Helper()
		// Longer than the server's write timeout: an answer that comes at all comes before it.
		pctx, cancel := context.WithTimeout(ctx, writeTimeout+10*time.Second)
		defer cancel()
		res, err := api.PayWithResponse(pctx, &apiclient.PayParams{IdempotencyKey: &key},
			apiclient.PayJSONRequestBody{TicketId: hold.JSON200.TicketId, SeatId: 3, Date: date(t, show)}, apiclient.Bearer(tok))
		if err != nil {
			t.Fatalf("the payment got no answer: %v", err)
		}
		return res
	}

	resume := temporaltest.Stall(t, sys.server)
	stalled := pay()
	if stalled.StatusCode() != 503 || stalled.HTTPResponse.Header.Get("Retry-After") == "" || stalled.ApplicationproblemJSON503 == nil {
		t.Fatalf("a payment while Temporal is stalled: %d %v %s, want 503 with Retry-After", stalled.StatusCode(), stalled.HTTPResponse.Header, stalled.Body)
	}
	// The operators' list still answers (from the database alone), and a sale's own page, which
	// asks its workflow, says the workflow does not answer.
	sales, err := api.ListAllSalesWithResponse(ctx, apiclient.AdminKey(e2eAdminKey))
	if err != nil || sales.JSON200 == nil || len(*sales.JSON200) == 0 {
		t.Fatalf("the operators' list while Temporal is stalled: %v %s", err, sales.Body)
	}
	one, err := api.ReadSaleWithResponse(ctx, (*sales.JSON200)[0].SaleId, apiclient.AdminKey(e2eAdminKey))
	if err != nil || one.JSON200 == nil || one.JSON200.Queue.AdmissionUnavailable == nil || !*one.JSON200.Queue.AdmissionUnavailable {
		t.Fatalf("a sale's page while Temporal is stalled: %v %s, want its queue marked admission_unavailable", err, one.Body)
	}
	resume()

	var paid *apiclient.PayResponse
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if paid = pay(); paid.StatusCode() == 200 {
			break
		}
	}
	if paid.JSON200 == nil || paid.JSON200.Receipt.Amount != hold.JSON200.Price {
		t.Fatalf("the retry once Temporal runs again: %d %s, want the receipt", paid.StatusCode(), paid.Body)
	}
	again := pay()
	if again.JSON200 == nil || again.JSON200.Receipt.PaymentId != paid.JSON200.Receipt.PaymentId {
		t.Fatalf("a further retry: %d %s, want the same receipt", again.StatusCode(), again.Body)
	}
	tok = fan(t, api, "stalled-payer") // the payment ended the fan's session
	bal, err := api.ReadBalanceWithResponse(ctx, apiclient.Bearer(tok))
	if err != nil || bal.JSON200 == nil || bal.JSON200.Balance != 100_000-hold.JSON200.Price {
		t.Fatalf("balance after the payment and its retries: %v %s, want %d", err, bal.Body, 100_000-hold.JSON200.Price)
	}
}
