package main

import (
	"context"
	"testing"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// waitForAReturnedSeat is the waitlist's part of the end-to-end run, on PostgreSQL and the
// Temporal dev server with the worker as in production: a date of one seat sells out to hana's
// hold; ivan, still waiting in the queue, joins its waitlist; hana gives the seat back and it is
// offered to ivan in that same transaction, as an order whose workflow the API starts; ivan pays
// it with his waiting token through that workflow, and his entry is claimed.
func waitForAReturnedSeat(t *testing.T, sys *e2eSystem) {
	t.Helper()
	ctx := context.Background()
	api, admin := sys.api, apiclient.AdminKey(e2eAdminKey)
	const sale = "e2e-waitlist"
	day := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 50)}
	limit, rate, oneAtATime := int64(2), int64(1), int64(1)
	created, err := api.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "One Seat Left", Venue: "The Small Room", MaxTicketsPerFan: &limit,
		Queue:        &apiclient.QueueSpecBody{AdmitRate: &rate, MaxActive: &oneAtATime},
		Performances: []apiclient.PerformanceSpecBody{{Date: day, Sections: []apiclient.SectionBody{{Name: "Front", FirstSeat: 1, LastSeat: 1, Price: 40_000}}}},
	}, admin)
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create the one-seat sale: %v %s", err, created.Body)
	}
	var hana string
	if !eventually(10*time.Second, func() bool { // the directory of sales each instance keeps is a moment old
		res, err := api.IssueTokenWithResponse(ctx, apiclient.FanOf("hana", sale))
		if err == nil && res.JSON200 != nil {
			hana = res.JSON200.Token
		}
		return hana != ""
	}) {
		t.Fatal("hana could not queue for the new sale")
	}
	if !eventually(15*time.Second, func() bool {
		poll, err := api.PollTokenWithResponse(ctx, apiclient.Bearer(hana))
		return err == nil && poll.JSON200 != nil && poll.JSON200.Status == apiclient.Active
	}) {
		t.Fatal("hana was not admitted")
	}
	held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: day, SeatId: 1}, apiclient.Bearer(hana))
	if err != nil || held.JSON200 == nil {
		t.Fatalf("hana's hold: %v %s", err, held.Body)
	}
	ivan := issueIn(t, api, "ivan", sale) // the ceiling of one admitted keeps him waiting
	joined, err := api.JoinWaitlistWithResponse(ctx, apiclient.JoinWaitlistJSONRequestBody{Date: day, Quantity: 1}, apiclient.Bearer(ivan))
	if err != nil || joined.JSON201 == nil || joined.JSON201.Status != apiclient.WaitlistWaiting {
		t.Fatalf("ivan joins the waitlist: %v %d %s", err, joined.StatusCode(), joined.Body)
	}

	if gave, err := api.GiveBackOrderWithResponse(ctx, held.JSON200.TicketId, apiclient.Bearer(hana)); err != nil || gave.StatusCode() != 204 {
		t.Fatalf("hana gives the seat back: %v %s", err, gave.Body)
	}
	shown, err := api.ShowWaitlistWithResponse(ctx, apiclient.Bearer(ivan))
	if err != nil || shown.JSON200 == nil || len(*shown.JSON200) != 1 || (*shown.JSON200)[0].Status != apiclient.WaitlistOffered {
		t.Fatalf("ivan's waitlist right after the seat came back: %v %s, want offered", err, shown.Body)
	}
	offer := *(*shown.JSON200)[0].OrderId
	if _, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 40_000}, apiclient.Bearer(ivan)); err != nil {
		t.Fatal(err)
	}
	key := "ivan-offer"
	paid, err := api.PayOrderWithResponse(ctx, offer, &apiclient.PayOrderParams{IdempotencyKey: &key}, apiclient.Bearer(ivan))
	if err != nil || paid.JSON200 == nil || len(paid.JSON200.Tickets) != 1 || paid.JSON200.Tickets[0].Credential == nil {
		t.Fatalf("ivan pays the offer with his waiting token: %v %d %s", err, paid.StatusCode(), paid.Body)
	}
	if st := awaitHoldWorkflow(t, sys.server, reservation.OrderWorkflowID(offer.String())); st.Status != reservation.StatusPaid {
		t.Fatalf("the offer's workflow ended %s, want paid", st.Status)
	}
	if shown, _ = api.ShowWaitlistWithResponse(ctx, apiclient.Bearer(ivan)); shown.JSON200 == nil || (*shown.JSON200)[0].Status != apiclient.WaitlistClaimed {
		t.Fatalf("ivan's entry after paying: %s, want claimed", shown.Body)
	}
}
