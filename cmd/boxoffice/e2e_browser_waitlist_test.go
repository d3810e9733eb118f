package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// TestAFanGetsASeatFromTheWaitlistInTheBrowser: a date of one seat sells out to hana's hold; a
// fan admitted in the browser finds the date sold out, joins its waitlist and is told no one is
// ahead; hana gives the seat back, the page shows it offered with its countdown, and the fan
// tops up, pays and sees the ticket's QR code, the entry claimed.
func TestAFanGetsASeatFromTheWaitlistInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	const key = "waitlist-browser-admin-key"
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+key)
	const sale = "browser-waitlist"
	giveBack := sellOutOneSeat(t, base, key, sale, nil)
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.SendKeys(css(`#user`), "waitlister"),
		chromedp.Click(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.WaitVisible(css(`#dates button[data-sold-out]`)),
		screenshot(shots, "waitlist-1-sold-out"),
		chromedp.Click(css(`#dates button[data-sold-out]`)),
		chromedp.WaitVisible(css(`#waitlist-join`)),
		chromedp.SetValue(css(`#waitlist-quantity`), "1"),
		chromedp.Click(css(`#waitlist-join-button`)),
		waitlistSays("no one ahead of you"),
		screenshot(shots, "waitlist-2-joined"),
	)
	if err != nil {
		t.Fatalf("joining the waitlist in the browser: %v (%s)", err, pageSays(tab))
	}
	if listed, err := chromedp.Run(tab, chromedp.Text(css(`#waitlist-entries li[data-status="waiting"]`))); err != nil || !strings.Contains(listed, "no one ahead of you") {
		t.Fatalf("the waitlist lists %q (%v), want the fan waiting with no one ahead", listed, err)
	}

	giveBack()
	err = chromedp.Do(tab,
		chromedp.Poll[chromedp.Void](`!document.getElementById("hold").hidden`, chromedp.WithPollingTimeout(15*time.Second)),
		screenshot(shots, "waitlist-3-offered"),
	)
	if err != nil {
		t.Fatalf("the offer never showed: %v (%s)", err, pageSays(tab))
	}
	if held, err := chromedp.Run(tab, chromedp.Text(css(`#held`))); err != nil || !strings.HasPrefix(held, "Seat 1 (Front) on ") || !strings.Contains(held, "from the waitlist") {
		t.Fatalf("the page says %q (%v), want seat 1 offered from the waitlist", held, err)
	}
	payAndSeeTheTicket(t, tab, shots, "waitlist-4-ticket")
}

// TestAFanStillInTheQueueGetsASeatFromTheWaitlistInTheBrowser: while hana, admitted, holds a
// one-seat date and fills the sale's ceiling of one, a fan waiting in the queue joins the
// date's waitlist from the queue, leaves it and joins it again; the seat hana gives back is
// offered to them still waiting, and they pay for it without being admitted, the page staying
// on their ticket when the payment ends their place in the queue.
func TestAFanStillInTheQueueGetsASeatFromTheWaitlistInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	const key = "waitlist-queue-admin-key"
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+key)
	const sale = "browser-waitlist-queue"
	oneAtATime, rate := int64(1), int64(1)
	giveBack := sellOutOneSeat(t, base, key, sale, &apiclient.QueueSpecBody{AdmitRate: &rate, MaxActive: &oneAtATime})
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.SendKeys(css(`#user`), "queued-waitlister"),
		chromedp.Click(css(`#sales button[data-sale="`+sale+`"]`)),
		chromedp.WaitVisible(css(`#leave`)), // in the queue, behind the ceiling hana fills
		chromedp.WaitVisible(css(`#waitlist-join`)),
		chromedp.SetValue(css(`#waitlist-quantity`), "2"),
		chromedp.Click(css(`#waitlist-join-button`)), // two seats of a one-seat date: refused
		chromedp.Poll[chromedp.Void](`document.getElementById("alert").textContent.includes("no offer could ever be made")`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.SetValue(css(`#waitlist-quantity`), "1"),
		chromedp.Click(css(`#waitlist-join-button`)),
		waitlistSays("no one ahead of you"),
		chromedp.Click(css(`#waitlist-entries button[aria-label^="Leave the waitlist"]`)),
		waitlistSays("You left the waitlist"),
		chromedp.SetValue(css(`#waitlist-quantity`), "1"),
		chromedp.Click(css(`#waitlist-join-button`)),
		waitlistSays("Waiting for 1 seat in any section on "),
		screenshot(shots, "waitlist-queue-1-joined"),
	)
	if err != nil {
		t.Fatalf("joining the waitlist from the queue: %v (%s)", err, pageSays(tab))
	}

	giveBack()
	err = chromedp.Do(tab,
		chromedp.Poll[chromedp.Void](`!document.getElementById("hold").hidden`, chromedp.WithPollingTimeout(15*time.Second)),
		screenshot(shots, "waitlist-queue-2-offered"),
	)
	if err != nil {
		t.Fatalf("the offer never showed to the fan in the queue: %v (%s)", err, pageSays(tab))
	}
	payAndSeeTheTicket(t, tab, shots, "waitlist-queue-3-ticket")
	time.Sleep(2 * time.Second) // the place the payment ended is not followed back to the sales
	if onTicket, err := chromedp.Run(tab, chromedp.Evaluate[bool](`!document.getElementById("ticket").hidden`)); err != nil || !onTicket {
		t.Fatalf("the page left the ticket after the payment (%v; %s)", err, pageSays(tab))
	}
}

// sellOutOneSeat creates a sale of one date of one seat (Front, 40,000 won; two seats a fan)
// with the queue given, has hana admitted hold that seat, and waits until the sale is listed
// sold out; it returns what gives hana's seat back.
func sellOutOneSeat(t *testing.T, base, key, sale string, queue *apiclient.QueueSpecBody) (giveBack func()) {
	t.Helper()
	ctx := context.Background()
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	day := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 40)}
	limit := int64(2)
	created, err := api.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
		SaleId: sale, Title: "One Seat Left", Venue: "The Small Room", MaxTicketsPerFan: &limit, Queue: queue,
		Performances: []apiclient.PerformanceSpecBody{{Date: day, Sections: []apiclient.SectionBody{{Name: "Front", FirstSeat: 1, LastSeat: 1, Price: 40_000}}}},
	}, apiclient.AdminKey(key))
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create the one-seat sale: %v %s", err, created.Body)
	}
	var hana string
	if !eventually(10*time.Second, func() bool { // the directory of sales is a moment old
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
	if !eventually(10*time.Second, func() bool { // so the page finds it sold out
		listed, err := api.ListSalesWithResponse(ctx)
		return err == nil && listed.JSON200 != nil && slices.ContainsFunc(*listed.JSON200, func(s apiclient.SaleListingBody) bool {
			return s.SaleId == sale && s.SoldOut
		})
	}) {
		t.Fatal("the sale is not listed sold out")
	}
	return func() {
		t.Helper()
		gave, err := api.GiveBackOrderWithResponse(ctx, held.JSON200.TicketId, apiclient.Bearer(hana))
		if err != nil || gave.StatusCode() != 204 {
			t.Fatalf("hana gives the seat back: %v %s", err, gave.Body)
		}
	}
}

// waitlistSays waits until the waitlist's announcements say text (quoted for JavaScript as
// for Go: the texts waited for are plain ASCII).
func waitlistSays(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.getElementById("waitlist-status").textContent.includes(`+strconv.Quote(text)+`)`, chromedp.WithPollingTimeout(10*time.Second))
}

// payAndSeeTheTicket tops up and pays the order the page holds, and checks the ticket's QR code,
// the receipt, no alert, and the waitlist entry claimed.
func payAndSeeTheTicket(t *testing.T, tab context.Context, shots, shot string) {
	t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Click(css(`#topup`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("balance").textContent !== ""`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(css(`#pay`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#qrs img") !== null && document.querySelector("#qrs img").naturalWidth > 0`, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#waitlist-entries li[data-status="claimed"]') !== null`, chromedp.WithPollingTimeout(10*time.Second)),
		screenshot(shots, shot),
	)
	if err != nil {
		t.Fatalf("paying for the offer: %v (%s)", err, pageSays(tab))
	}
	receipt, err := chromedp.Run(tab, chromedp.Text(css(`#receipt`)))
	if err != nil || !strings.HasPrefix(receipt, "Paid ") || !strings.Contains(receipt, "seat 1 on ") {
		t.Fatalf("receipt %q (%v), want seat 1 paid", receipt, err)
	}
	if alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`))); alert != "" {
		t.Fatalf("after paying, the page alerts %q", alert)
	}
}

// pageSays is what the page's alert and waitlist say, for a failure's message.
func pageSays(tab context.Context) string {
	alert, _ := chromedp.Run(tab, chromedp.TextContent(chromedp.CSS(`#alert`)))
	waitlist, _ := chromedp.Run(tab, chromedp.TextContent(chromedp.CSS(`#waitlist`)))
	return fmt.Sprintf("the alert says %q, the waitlist %q", alert, strings.Join(strings.Fields(waitlist), " "))
}
