package main

import (
	"context"
	"strings"
	"testing"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/workflows/admission"
)

// sellASale is the sales part of the end-to-end test, through the generated client against the
// real roles: an operator puts a two-date sale with three sections on over HTTP (a bad one first,
// which leaves nothing), fans find it, queue for it and pay each section's price; the operator
// pauses it (holds refused, a hold made before paid, nobody admitted) and closes it (new tokens
// 410, waiting fans told, its admission workflow completes). It returns the sale's id.
func sellASale(t *testing.T, sys *e2eSystem) core.SaleID {
	t.Helper()
	ctx := context.Background()
	api, admin := sys.api, apiclient.AdminKey(e2eAdminKey)
	const sale = "e2e-autumn"
	today := time.Now().UTC()
	sections := []apiclient.SectionBody{
		{Name: "Floor", FirstSeat: 1, LastSeat: 2, Price: 120_000},
		{Name: "Stalls", FirstSeat: 3, LastSeat: 6, Price: 70_000},
		{Name: "Balcony", FirstSeat: 7, LastSeat: 10, Price: 30_000},
	}
	limit, rate := int64(3), int64(10)
	spec := apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "Autumn Nights", Venue: "Riverside Arena", MaxTicketsPerFan: &limit,
		Queue: &apiclient.QueueSpecBody{AdmitRate: &rate},
		Performances: []apiclient.PerformanceSpecBody{
			{Date: openapitypes.Date{Time: today.AddDate(0, 0, 40)}, Sections: sections},
			{Date: openapitypes.Date{Time: today.AddDate(0, 0, 41)}, Sections: sections},
		},
	}
	overlapping := spec
	overlapping.Performances = []apiclient.PerformanceSpecBody{{Date: spec.Performances[0].Date, Sections: []apiclient.SectionBody{
		{Name: "A", FirstSeat: 1, LastSeat: 5, Price: 1}, {Name: "B", FirstSeat: 5, LastSeat: 9, Price: 1},
	}}}
	bad, err := api.CreateSaleWithResponse(ctx, overlapping, admin)
	if err != nil || bad.ApplicationproblemJSON400 == nil || !strings.Contains(string(bad.Body), "body.performances[0].sections") {
		t.Fatalf("overlapping sections: %v %d %s", err, bad.StatusCode(), bad.Body)
	}
	if none, _ := api.ReadSaleWithResponse(ctx, sale, admin); none.StatusCode() != 404 {
		t.Fatalf("a refused sale exists: %d %s", none.StatusCode(), none.Body)
	}
	created, err := api.CreateSaleWithResponse(ctx, spec, admin)
	if err != nil || created.JSON201 == nil || len(created.JSON201.Performances) != 2 || created.JSON201.Queue.AdmitRate != 10 {
		t.Fatalf("create the sale: %v %d %s", err, created.StatusCode(), created.Body)
	}
	var listed *apiclient.ListSalesResponse
	found := eventually(2*catalog.DirectoryRefresh, func() bool { // each instance lists from a copy at most that old
		listed, err = api.ListSalesWithResponse(ctx)
		return err == nil && listed.JSON200 != nil && saleListed(*listed.JSON200, sale, 30_000, 120_000, 2)
	})
	if !found {
		t.Fatalf("GET /api/sales: %v %s", err, listed.Body)
	}

	// A fan queues for it, holds a Floor and a Balcony seat, and pays each section's price.
	dora := fanOf(t, api, "dora", sale)
	first := spec.Performances[0].Date
	_, _ = api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 200_000}, apiclient.Bearer(dora))
	var pays []apiclient.PayJSONRequestBody
	for seat, want := range map[int64]int64{1: 120_000, 8: 30_000} {
		held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: first, SeatId: seat}, apiclient.Bearer(dora))
		if err != nil || held.JSON200 == nil || held.JSON200.Price != want {
			t.Fatalf("dora's hold of seat %d: %v %s; want %d won", seat, err, held.Body, want)
		}
		pays = append(pays, apiclient.PayJSONRequestBody{TicketId: held.JSON200.TicketId, SeatId: seat, Date: first})
	}
	var charged int64
	for _, p := range pays {
		paid, err := api.PayWithResponse(ctx, nil, p, apiclient.Bearer(dora))
		if err != nil || paid.JSON200 == nil {
			t.Fatalf("dora pays seat %d: %v %s", p.SeatId, err, paid.Body)
		}
		charged += paid.JSON200.Receipt.Amount
	}
	if charged != 150_000 {
		t.Fatalf("dora was charged %d for Floor and Balcony, want 150000", charged)
	}

	// A token of this sale sees this sale only.
	eve := fanOf(t, api, "eve", sale)
	demoDate := openapitypes.Date{Time: today.AddDate(0, 0, 30)}
	if other, _ := api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &demoDate}, apiclient.Bearer(eve)); other.StatusCode() != 400 {
		t.Fatalf("a token of %s lists the demo sale's seats: %d %s", sale, other.StatusCode(), other.Body)
	}

	// Paused: holds are refused saying so, a hold made before is paid, nobody is admitted.
	held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: first, SeatId: 3}, apiclient.Bearer(eve))
	if err != nil || held.JSON200 == nil {
		t.Fatalf("eve's hold: %v %s", err, held.Body)
	}
	changeState(t, api, sale, apiclient.ChangeSaleInputBodyStatePaused)
	refused, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: first, SeatId: 4}, apiclient.Bearer(eve))
	if refused.StatusCode() != 409 || !strings.Contains(string(refused.Body), "paused") {
		t.Fatalf("a hold in a paused sale: %d %s", refused.StatusCode(), refused.Body)
	}
	_, _ = api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 70_000}, apiclient.Bearer(eve))
	if paid, _ := api.PayWithResponse(ctx, nil, apiclient.PayJSONRequestBody{TicketId: held.JSON200.TicketId, SeatId: 3, Date: first}, apiclient.Bearer(eve)); paid.JSON200 == nil {
		t.Fatalf("paying a hold made before the pause: %d %s", paid.StatusCode(), paid.Body)
	}
	fay := issueIn(t, api, "fay", sale)
	time.Sleep(time.Second) // five admission ticks
	if poll, _ := api.PollTokenWithResponse(ctx, apiclient.Bearer(fay)); poll.JSON200 == nil || poll.JSON200.Status != apiclient.Waiting {
		t.Fatalf("a fan of a paused sale polls %s; want still waiting", poll.Body)
	}

	// Closed: new tokens are 410, the waiting fan is told, the admission workflow completes.
	changeState(t, api, sale, apiclient.ChangeSaleInputBodyStateClosed)
	gone := func() bool {
		late, _ := api.IssueTokenWithResponse(ctx, apiclient.FanOf("gus", sale))
		return late.StatusCode() == 410
	}
	if !eventually(5*time.Second, gone) {
		t.Fatal("a token for a closed sale is not 410")
	}
	if poll, _ := api.PollTokenWithResponse(ctx, apiclient.Bearer(fay)); poll.StatusCode() != 410 {
		t.Fatalf("a waiting fan of a closed sale polls %d %s; want 410", poll.StatusCode(), poll.Body)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := sys.server.Client().GetWorkflow(wctx, admission.WorkflowID(sale), "").Get(wctx, nil); err != nil {
		t.Fatalf("the closed sale's admission workflow: %v; want completed", err)
	}
	read, err := api.ReadSaleWithResponse(ctx, sale, admin)
	if err != nil || read.JSON200 == nil || read.JSON200.State != apiclient.SaleBodyStateClosed || read.JSON200.Performances[0].Counts.Sold != 3 {
		t.Fatalf("the closed sale reads %v %s; want 3 sold on its first date", err, read.Body)
	}
	return sale
}

func saleListed(sales []apiclient.SaleListingBody, id string, lo, hi int64, dates int) bool {
	for _, s := range sales {
		if s.SaleId == id {
			return s.MinPrice == lo && s.MaxPrice == hi && len(s.Dates) == dates && !s.SoldOut
		}
	}
	return false
}

func changeState(t *testing.T, api *apiclient.ClientWithResponses, sale string, st apiclient.ChangeSaleInputBodyState) {
	t.Helper()
	res, err := api.ChangeSaleWithResponse(context.Background(), sale, apiclient.ChangeSaleJSONRequestBody{State: &st}, apiclient.AdminKey(e2eAdminKey))
	if err != nil || res.JSON200 == nil || string(res.JSON200.State) != string(st) {
		t.Fatalf("PATCH %s state %s: %v %s", sale, st, err, res.Body)
	}
}

// eventually polls ok until it holds or within passes.
func eventually(within time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}
