package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/internal/qrtest"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
)

// e2eTicket is a ticket a fan bought through the generated client.
type e2eTicket struct {
	id         openapitypes.UUID
	credential string
	token      string // a live token of the sale, the payment's having expired
	price      int64
}

// buyIn tops up user's wallet with the price, holds seat of date in sale and pays for it.
func buyIn(t *testing.T, api *apiclient.ClientWithResponses, user, sale string, d openapitypes.Date, seat int64) e2eTicket {
	t.Helper()
	ctx := context.Background()
	tok := fanOf(t, api, user, sale)
	hold, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: d, SeatId: seat}, apiclient.Bearer(tok))
	if err != nil || hold.JSON200 == nil {
		t.Fatalf("%s holds seat %d of %s: %v %s", user, seat, sale, err, hold.Body)
	}
	if top, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: hold.JSON200.Price}, apiclient.Bearer(tok)); err != nil || top.JSON200 == nil {
		t.Fatalf("%s tops up: %v %s", user, err, top.Body)
	}
	paid, err := api.PayWithResponse(ctx, nil, apiclient.PayJSONRequestBody{TicketId: hold.JSON200.TicketId, SeatId: seat, Date: d}, apiclient.Bearer(tok))
	if err != nil || paid.JSON200 == nil || paid.JSON200.Credential == nil {
		t.Fatalf("%s pays: %v %s", user, err, paid.Body)
	}
	return e2eTicket{id: hold.JSON200.TicketId, credential: *paid.JSON200.Credential, token: issueIn(t, api, user, sale), price: hold.JSON200.Price}
}

// afterThePayment is the end-to-end test of what follows a payment, through the generated
// client against the real roles: fans list their tickets and show the QR code, a gate verifies
// a credential offline with `boxoffice verify-ticket` and checks it in once, a fan cancels within
// the sale's policy (and another past its deadline is refused), and an operator cancels a
// performance, whose workflow refunds the rest and is found by sale and date. It returns the
// cancellation's workflow id.
func afterThePayment(t *testing.T, sys *e2eSystem) string {
	t.Helper()
	ctx := context.Background()
	api, admin := sys.api, apiclient.AdminKey(e2eAdminKey)
	const sale, late = "e2e-encore", "e2e-late"
	show := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 40)}
	for id, until := range map[string]string{sale: "P1D", late: "P100D"} { // 100 days before a show in 40: closed
		created, err := api.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
			SaleId: id, Title: "Encore", Venue: "Riverside Arena", Cancellation: &apiclient.CancellationBody{UntilBeforeShow: until, FeePercent: 10},
			Performances: []apiclient.PerformanceSpecBody{{Date: show, Sections: []apiclient.SectionBody{{Name: "Floor", FirstSeat: 1, LastSeat: 10, Price: 40_000}}}},
		}, admin)
		if err != nil || created.JSON201 == nil {
			t.Fatalf("create %s: %v %s", id, err, created.Body)
		}
	}

	// Ann buys seat 1, lists her tickets and shows the QR code of the credential the payment gave.
	ann := buyIn(t, api, "ann", sale, show, 1)
	list, err := api.ListTicketsWithResponse(ctx, nil, apiclient.Bearer(ann.token))
	if err != nil || list.JSON200 == nil || len(*list.JSON200) != 1 || (*list.JSON200)[0].Status != apiclient.TicketBodyStatusPaid ||
		(*list.JSON200)[0].Credential == nil || *(*list.JSON200)[0].Credential != ann.credential {
		t.Fatalf("ann's tickets: %v %s", err, list.Body)
	}
	png := "image/png"
	qr, err := api.ShowTicketWithResponse(ctx, ann.id, &apiclient.ShowTicketParams{Accept: &png}, apiclient.Bearer(ann.token))
	if err != nil || qr.StatusCode() != 200 || qr.HTTPResponse.Header.Get("Content-Type") != png {
		t.Fatalf("ann's QR code: %v %d", err, qr.StatusCode())
	}
	if got := qrtest.Scan(t, qr.Body); got != ann.credential {
		t.Fatalf("the QR code holds %q, want the credential", got)
	}

	// A gate verifies it offline with the JWKS, then checks it in: once.
	offline := sys.run(t, "verify-ticket", "-jwks", sys.base+"/.well-known/jwks.json", "-sale", sale, ann.credential)
	if !strings.Contains(offline, `"verified": true`) || !strings.Contains(offline, ann.id.String()) {
		t.Fatalf("verify-ticket: %s", offline)
	}
	gate := sale
	in, err := api.CheckInWithResponse(ctx, apiclient.CheckInJSONRequestBody{Ticket: ann.credential, SaleId: &gate}, admin)
	if err != nil || in.JSON200 == nil || in.JSON200.Holder != "ann" || in.JSON200.SeatId != 1 {
		t.Fatalf("check-in: %v %s", err, in.Body)
	}
	if again, _ := api.CheckInWithResponse(ctx, apiclient.CheckInJSONRequestBody{Ticket: ann.credential}, admin); again.StatusCode() != 409 ||
		again.ApplicationproblemJSON409 == nil || again.ApplicationproblemJSON409.CheckedInAt == nil {
		t.Fatalf("a second scan: %d %s", again.StatusCode(), again.Body)
	}
	if token, _ := api.CheckInWithResponse(ctx, apiclient.CheckInJSONRequestBody{Ticket: ann.token}, admin); token.StatusCode() != 400 {
		t.Fatalf("a queue token at the gate: %d %s", token.StatusCode(), token.Body)
	}

	// Bob cancels within the policy, with a key: 36,000 back, 4,000 kept; the retry replays it.
	bob := buyIn(t, api, "bob", sale, show, 2)
	key := "bob-gives-back"
	cancelled, err := api.CancelTicketWithResponse(ctx, bob.id, &apiclient.CancelTicketParams{IdempotencyKey: &key}, apiclient.Bearer(bob.token))
	if err != nil || cancelled.JSON200 == nil || cancelled.JSON200.Refund.Amount != 36_000 || cancelled.JSON200.Refund.Fee != 4_000 {
		t.Fatalf("bob cancels: %v %s", err, cancelled.Body)
	}
	replay, _ := api.CancelTicketWithResponse(ctx, bob.id, &apiclient.CancelTicketParams{IdempotencyKey: &key}, apiclient.Bearer(bob.token))
	if replay.JSON200 == nil || replay.JSON200.Refund.RefundId != cancelled.JSON200.Refund.RefundId {
		t.Fatalf("bob's retry: %s", replay.Body)
	}
	if bal, _ := api.ReadBalanceWithResponse(ctx, apiclient.Bearer(bob.token)); bal.JSON200 == nil || bal.JSON200.Balance != 36_000 {
		t.Fatalf("bob's balance after the refund: %s", bal.Body)
	}
	if gone, _ := api.CheckInWithResponse(ctx, apiclient.CheckInJSONRequestBody{Ticket: bob.credential}, admin); gone.StatusCode() != 410 {
		t.Fatalf("bob's cancelled ticket at the gate: %d %s", gone.StatusCode(), gone.Body)
	}

	// Cat's sale closed cancellations 100 days before the show.
	cat := buyIn(t, api, "cat", late, show, 1)
	refused, _ := api.CancelTicketWithResponse(ctx, cat.id, nil, apiclient.Bearer(cat.token))
	if refused.StatusCode() != 409 || refused.ApplicationproblemJSON409 == nil || refused.ApplicationproblemJSON409.CancellableUntil == nil {
		t.Fatalf("cat cancels past the deadline: %d %s", refused.StatusCode(), refused.Body)
	}

	// The operator cancels the encore: dan and eve are refunded in full, ann (in already) keeps
	// her ticket, and a hold ends.
	dan, eve := buyIn(t, api, "dan", sale, show, 3), buyIn(t, api, "eve", sale, show, 4)
	holder := fanOf(t, api, "fay", sale)
	if hold, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 5}, apiclient.Bearer(holder)); hold.JSON200 == nil {
		t.Fatalf("fay's hold: %s", hold.Body)
	}
	started, err := api.CancelPerformanceWithResponse(ctx, sale, show, admin)
	if err != nil || started.JSON202 == nil || started.JSON202.Total != 2 || started.JSON202.CheckedIn != 1 {
		t.Fatalf("cancel the performance: %v %s", err, started.Body)
	}
	if more, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 6}, apiclient.Bearer(holder)); more.StatusCode() != 410 {
		t.Fatalf("a hold on the cancelled date: %d %s", more.StatusCode(), more.Body)
	}
	var progress *apiclient.PerformanceCancellationBody
	if !eventually(30*time.Second, func() bool {
		res, err := api.PerformanceCancellationWithResponse(ctx, sale, show, admin)
		progress = res.JSON200
		return err == nil && progress != nil && progress.Status == apiclient.CancellationCompleted
	}) {
		t.Fatalf("the cancellation did not complete: %+v", progress)
	}
	if progress.Refunded != 2 || progress.HoldsLeft != 0 || progress.CheckedIn != 1 {
		t.Fatalf("progress %+v, want 2 refunded, no hold left, 1 kept", progress)
	}
	for _, f := range []e2eTicket{dan, eve} {
		tk, err := api.ShowTicketWithResponse(ctx, f.id, nil, apiclient.Bearer(f.token))
		if err != nil || tk.JSON200 == nil || tk.JSON200.Refund == nil || tk.JSON200.Refund.Amount != f.price || tk.JSON200.Refund.Fee != 0 ||
			tk.JSON200.Refund.Reason != apiclient.RefundReasonPerformanceCancelled {
			t.Fatalf("a ticket of the cancelled show: %v %s", err, tk.Body)
		}
	}

	// The workflow is found by sale and date, and has completed.
	d, _ := core.ParseDate(show.Format(time.DateOnly))
	id := cancellation.WorkflowID(sale, d)
	query := fmt.Sprintf("%s = '%s' AND %s = '%s' AND WorkflowType = '%s'", cancellation.AttrSale.GetName(), sale,
		cancellation.AttrDate.GetName(), d, cancellation.WorkflowName)
	if !eventually(10*time.Second, func() bool {
		found, err := sys.server.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		return err == nil && len(found.Executions) == 1 && found.Executions[0].Execution.WorkflowId == id &&
			found.Executions[0].Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}) {
		t.Fatalf("no completed workflow %s found by %q", id, query)
	}
	return id
}
