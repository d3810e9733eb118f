package main

import (
	"context"
	"testing"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// What a fan or an operator just did shows at once, across two API instances on one database:
// an operator's new sale in the next answer of the instance that made it and within the
// directory's bound on the other; a fan's hold, payment and cancellation, made on one instance,
// in their next listing on the other, although its snapshot of the date is five seconds old; a
// closed sale takes no token on the closing instance from the close's answer on.
func TestReadYourOwnWritesAcrossInstances(t *testing.T) {
	sys := startSystem(t, time.Minute, "BOXOFFICE_SEATS_STALENESS=5s")
	ctx := context.Background()
	one, two, admin := sys.api, sys.api2, apiclient.AdminKey(e2eAdminKey)
	const sale = "own-writes"
	show := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 40)}
	rate := int64(50)
	created, err := one.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "Own Writes", Venue: "Two Instances Hall", Queue: &apiclient.QueueSpecBody{AdmitRate: &rate},
		Cancellation: &apiclient.CancellationBody{UntilBeforeShow: "PT1H", FeePercent: 10},
		Performances: []apiclient.PerformanceSpecBody{{Date: show, Sections: []apiclient.SectionBody{{Name: "Hall", FirstSeat: 1, LastSeat: 10, Price: 20_000}}}},
	}, admin)
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create the sale: %v %s", err, created.Body)
	}
	listedBy := func(api *apiclient.ClientWithResponses) bool {
		res, err := api.ListSalesWithResponse(ctx)
		return err == nil && res.JSON200 != nil && saleListed(*res.JSON200, sale, 20_000, 20_000, 1)
	}
	if !listedBy(one) {
		t.Fatal("the instance that created the sale does not list it in its next answer")
	}
	start := time.Now()
	if !eventually(2*catalog.DirectoryRefresh, func() bool { return listedBy(two) }) {
		t.Fatalf("the other instance did not list the new sale within %s", 2*catalog.DirectoryRefresh)
	}
	t.Logf("the other instance listed the new sale %s after the first", time.Since(start).Round(time.Millisecond))

	seatOn := func(api *apiclient.ClientWithResponses, tok string, no int) apiclient.SeatBody {
		t.Helper()
		res, err := api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &show}, apiclient.Bearer(tok))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("list seats: %v %s", err, res.Body)
		}
		return (*res.JSON200)[no-1]
	}
	tok := fanOf(t, one, "own-fan", sale)
	if s := seatOn(two, tok, 5); s.Status != apiclient.SeatBodyStatusAvailable { // the other instance's snapshot, kept 5 s
		t.Fatalf("seat 5 before the hold: %+v", s)
	}
	held, err := one.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 5}, apiclient.Bearer(tok))
	if err != nil || held.JSON200 == nil {
		t.Fatalf("hold: %v %s", err, held.Body)
	}
	if s := seatOn(two, tok, 5); s.Status != apiclient.SeatBodyStatusReserved {
		t.Fatalf("the fan's own hold, listed on the other instance: %+v, want reserved", s)
	}
	if c, err := one.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 20_000}, apiclient.Bearer(tok)); err != nil || c.JSON200 == nil {
		t.Fatalf("charge: %v %s", err, c.Body)
	}
	paid, err := one.PayWithResponse(ctx, nil, apiclient.PayJSONRequestBody{TicketId: held.JSON200.TicketId, SeatId: 5, Date: show}, apiclient.Bearer(tok))
	if err != nil || paid.JSON200 == nil {
		t.Fatalf("pay: %v %s", err, paid.Body)
	}
	tok = fanOf(t, one, "own-fan", sale) // the payment ended the fan's session
	if s := seatOn(two, tok, 5); s.Status != apiclient.SeatBodyStatusReserved || s.Price != 20_000 {
		t.Fatalf("the fan's own ticket, listed on the other instance: %+v", s)
	}
	cancelled, err := one.CancelTicketWithResponse(ctx, held.JSON200.TicketId, nil, apiclient.Bearer(tok))
	if err != nil || cancelled.JSON200 == nil {
		t.Fatalf("cancel: %v %s", err, cancelled.Body)
	}
	if s := seatOn(two, tok, 5); s.Status != apiclient.SeatBodyStatusAvailable {
		t.Fatalf("the fan's own cancelled ticket, listed on the other instance: %+v, want available", s)
	}

	changeState(t, one, sale, apiclient.ChangeSaleInputBodyStateClosed)
	if late, _ := one.IssueTokenWithResponse(ctx, apiclient.FanOf("late-fan", sale)); late.StatusCode() != 410 {
		t.Fatalf("a token right after the close, on the instance that closed: %d %s, want 410", late.StatusCode(), late.Body)
	}
	if !eventually(2*catalog.DirectoryRefresh, func() bool {
		late, _ := two.IssueTokenWithResponse(ctx, apiclient.FanOf("later-fan", sale))
		return late.StatusCode() == 410
	}) {
		t.Fatal("the other instance still issues tokens for the closed sale")
	}
}
