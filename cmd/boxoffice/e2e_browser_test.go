package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// screenshotDir is where the browser tests save a screenshot of each step:
// BOXOFFICE_SCREENSHOTS (CI sets it to .ci/artifacts/screenshots), else the test's temporary
// folder.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("BOXOFFICE_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the page as dir/name.png.
func screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		png, err := chromedp.FullScreenshot(100)(ctx, target) // 100: PNG
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Void{}, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

// browserTab starts headless Chromium (Debian's chromium, no download) and returns a tab.
func browserTab(t *testing.T) context.Context {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		skipOrFail(t, "the browser tests need Chromium (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"), chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	tab, cancelTime := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(cancelTime)
	return tab
}

// TestAFanBooksASeatInTheBrowser walks the fan page at / in headless Chromium against a
// `boxoffice dev`: a fan joins the queue, is admitted, picks a date and a seat, holds it, tops
// up, pays and sees the ticket's QR code, then gives the ticket back from "my tickets"; a
// screenshot of each step is saved.
func TestAFanBooksASeatInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	base := memoryDev(t)
	shots := screenshotDir(t)
	shot := func(name string) chromedp.Action[chromedp.Void] { return screenshot(shots, "fan-"+name) }
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button`)),
		chromedp.SendKeys(css(`#user`), "browser-fan"),
		shot("1-sales"),
		chromedp.Click(css(`#sales button`)),
		chromedp.WaitVisible(css(`#dates button`)),
		shot("2-admitted"),
		chromedp.Click(css(`#dates button`)),
		chromedp.WaitVisible(css(`#seats button.free`)),
		shot("3-seats"),
		chromedp.Click(css(`#seats button.free`)),
		chromedp.Click(css(`#hold-chosen`)),
		chromedp.WaitVisible(css(`#hold #countdown`)),
		shot("4-held"),
		chromedp.Click(css(`#topup`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("balance").textContent !== ""`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(css(`#pay`)),
		chromedp.WaitVisible(css(`#qrs img`)),
	)
	alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
	if err != nil {
		t.Fatalf("the fan's visit in the browser: %v (the page said %q)", err, alert)
	}
	qrWidth, err := chromedp.Run(tab, chromedp.Poll[int](`document.querySelector("#qrs img").naturalWidth`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("the ticket's QR code: %v", err)
	}
	receipt, err := chromedp.Run(tab, chromedp.Text(css(`#receipt`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, shot("5-ticket")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(receipt, "Paid ") || qrWidth == 0 || alert != "" {
		t.Fatalf("receipt %q, QR code %d px wide, alert %q", receipt, qrWidth, alert)
	}
	// My tickets: the fan gives the ticket back, under the demo sale's policy.
	err = chromedp.Do(tab,
		chromedp.Click(css(`#tickets button`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("tickets").textContent.includes("cancelled")`, chromedp.WithPollingTimeout(10*time.Second)),
		shot("6-given-back"),
	)
	if given, _ := chromedp.Run(tab, chromedp.Text(css(`#receipt`))); err != nil || !strings.HasPrefix(given, "Given back") {
		t.Fatalf("giving the ticket back: %v, the page says %q", err, given)
	}
	t.Logf("screenshots in %s", shots)
}

// TestTwoFansRaceForOverlappingSeatsAndAHoldRunsOut has two browsers race for overlapping
// seats: the first holds 19 and 20, the second, whose map still shows them free, asks for 20
// and 21 and is told in words that seat 20 is taken and nothing was held; it sees 20 taken,
// holds 21 alone, and the page says so when that hold's countdown runs out (holds of 6 s here).
func TestTwoFansRaceForOverlappingSeatsAndAHoldRunsOut(t *testing.T) {
	first := browserTab(t)
	base := memoryDev(t, "BOXOFFICE_HOLD_TTL=6s")
	second := browserTab(t) // a browser of its own: a background tab gets no input
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	seat := func(n int) chromedp.CSS { return css(fmt.Sprintf(`#seats button[aria-label^="Seat %d,"]`, n)) }
	toSeats := func(tab context.Context, user string) error {
		return chromedp.Do(tab,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(css(`#sales button`)),
			chromedp.SendKeys(css(`#user`), user),
			chromedp.Click(css(`#sales button`)),
			chromedp.WaitVisible(css(`#dates button`)),
			chromedp.Click(css(`#dates button`)),
			chromedp.WaitVisible(css(`#seats button.free`)),
		)
	}
	for tab, user := range map[context.Context]string{first: "racer-ann", second: "racer-ben"} {
		if err := toSeats(tab, user); err != nil {
			t.Fatalf("%s to the seat map: %v", user, err)
		}
	}
	shots := screenshotDir(t)
	if err := chromedp.Do(first, chromedp.Click(seat(19)), chromedp.Click(seat(20)), chromedp.Click(css(`#hold-chosen`)),
		chromedp.WaitVisible(css(`#hold #countdown`)), screenshot(shots, "race-1-winner")); err != nil {
		t.Fatalf("the first fan's order: %v", err)
	}
	// The second browser still shows 19 and 20 free; its order of 20 and 21 loses the race.
	if err := chromedp.Do(second, chromedp.Click(seat(20)), chromedp.Click(seat(21)), chromedp.Click(css(`#hold-chosen`))); err != nil {
		t.Fatal(err)
	}
	told, err := chromedp.Run(second, chromedp.Poll[string](`document.getElementById("alert").textContent || false`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !strings.Contains(told, "seat 20 is already reserved") || !strings.Contains(told, "took none") {
		t.Fatalf("the loser was told %q (%v), want that seat 20 is taken and nothing held", told, err)
	}
	if err := chromedp.Do(second, screenshot(shots, "race-2-loser-told")); err != nil {
		t.Fatal(err)
	}
	taken, err := chromedp.Run(second, chromedp.Poll[bool](`document.querySelector('#seats button[aria-label^="Seat 20,"]').disabled && !document.querySelector('#seats button[aria-label^="Seat 21,"]').disabled`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !taken {
		t.Fatalf("on the loser's map seat 20 is not taken, or 21 not free (%v)", err)
	}
	if err := chromedp.Do(second, chromedp.Poll[chromedp.Void](`document.getElementById("chosen").textContent === "No seat chosen yet."`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(seat(21)), chromedp.Click(css(`#hold-chosen`)), chromedp.WaitVisible(css(`#hold #countdown`))); err != nil {
		t.Fatalf("the loser holds seat 21: %v", err)
	}
	ended, err := chromedp.Run(second, chromedp.Poll[string](`(t => t.includes("has ended") && t)(document.getElementById("alert").textContent)`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("the page never said the hold ended: %v", err)
	}
	// Back on the map, where the released seat is free again (48 to 50 free: the first fan's
	// order, made earlier, may have ended too; the listing may lag by 250 ms).
	if _, err := chromedp.Run(second, chromedp.Poll[bool](`!document.getElementById("book").hidden && document.querySelectorAll("#seats button.free").length >= 48 && !document.querySelector('#seats button[aria-label^="Seat 21,"]').disabled`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("after the hold ended the page does not show the map with its seat free again: %v", err)
	}
	if err := chromedp.Do(second, screenshot(shots, "race-3-hold-ended")); err != nil {
		t.Fatal(err)
	}
	t.Logf("the loser's page: %q", ended)
}

// TestAFamilyOfFourBuysTogetherInTheBrowser first takes two seats and gives them back at once,
// then takes the best four side by side on the fan page, with one countdown, one top-up of the
// total and one payment, and sees four QR codes.
func TestAFamilyOfFourBuysTogetherInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	base := memoryDev(t)
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button`)),
		chromedp.SendKeys(css(`#user`), "family"),
		chromedp.Click(css(`#sales button`)),
		chromedp.WaitVisible(css(`#dates button`)),
		chromedp.Click(css(`#dates button`)),
		chromedp.WaitVisible(css(`#take-best`)),
		chromedp.Click(css(`#take-best`)), // two, the default
		chromedp.WaitVisible(css(`#hold #countdown`)),
		chromedp.Click(css(`#release`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("alert").textContent.startsWith("You gave back seats 1, 2")`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.WaitVisible(css(`#take-best`)),
		chromedp.SetValue(css(`#quantity`), "4"),
		screenshot(shots, "family-1-best-available"),
		chromedp.Click(css(`#take-best`)),
		chromedp.WaitVisible(css(`#hold #countdown`)),
		screenshot(shots, "family-2-held"),
	)
	if err != nil {
		alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
		t.Fatalf("taking the best four: %v (the page said %q)", err, alert)
	}
	held, err := chromedp.Run(tab, chromedp.Text(css(`#held`)))
	if err != nil || !strings.HasPrefix(held, "Seats 1 (Floor), 2 (Floor), 3 (Floor), 4 (Floor) on ") || !strings.Contains(held, "in all") {
		t.Fatalf("the page says %q (%v), want seats 1 to 4 held together", held, err)
	}
	err = chromedp.Do(tab,
		chromedp.Click(css(`#topup`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("balance").textContent !== ""`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(css(`#pay`)),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll("#qrs img")].filter(i => i.naturalWidth > 0).length === 4`, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Poll[chromedp.Void](`document.getElementById("tickets").textContent.split(": paid").length === 5`, chromedp.WithPollingTimeout(10*time.Second)),
		screenshot(shots, "family-3-four-tickets"),
	)
	if err != nil {
		alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
		t.Fatalf("paying for four: %v (the page said %q)", err, alert)
	}
	if receipt, err := chromedp.Run(tab, chromedp.Text(css(`#receipt`))); err != nil || !strings.HasPrefix(receipt, "Paid ") || !strings.Contains(receipt, "seats 1, 2, 3, 4") {
		t.Fatalf("receipt %q, %v; want one payment for seats 1 to 4", receipt, err)
	}
}

// TestAFanBooksWithTheKeyboardOnly books a seat on the fan page with no mouse: Tab to each
// control and Enter, as a fan who cannot use a pointer does.
func TestAFanBooksWithTheKeyboardOnly(t *testing.T) {
	tab := browserTab(t)
	base := memoryDev(t)
	// tabTo presses Tab until the focus is on the first element matching sel (at most 20 times).
	tabTo := func(sel string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
			for range 20 {
				if _, err := chromedp.KeyEvent(kb.Tab)(ctx, target); err != nil {
					return chromedp.Void{}, err
				}
				on, err := chromedp.Evaluate[bool](`document.activeElement !== null && document.activeElement.matches('`+sel+`')`)(ctx, target)
				if err != nil || on {
					return chromedp.Void{}, err
				}
			}
			return chromedp.Void{}, fmt.Errorf("20 presses of Tab never reached %s", sel)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button`)),
		tabTo(`#user`), chromedp.KeyEvent("keyboard-fan"),
		tabTo(`#sales button`), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#dates button`)),
		tabTo(`#dates button`), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#seats button.free`)),
		tabTo(`#seats button.free`), chromedp.KeyEvent(kb.Enter),
		tabTo(`#hold-chosen`), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#hold #countdown`)),
		tabTo(`#topup`), chromedp.KeyEvent(kb.Enter),
		chromedp.Poll[chromedp.Void](`document.getElementById("balance").textContent !== ""`, chromedp.WithPollingTimeout(10*time.Second)),
		tabTo(`#pay`), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`#qrs img`)),
		screenshot(screenshotDir(t), "keyboard-paid"),
	)
	if err != nil {
		alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
		t.Fatalf("booking with the keyboard: %v (the page said %q)", err, alert)
	}
	if receipt, err := chromedp.Run(tab, chromedp.Text(css(`#receipt`))); err != nil || !strings.HasPrefix(receipt, "Paid ") {
		t.Fatalf("receipt %q, %v", receipt, err)
	}
}

// TestAnOperatorPausesASaleAndSetsItsRate opens the operators' page at /admin with the admin
// key, sees the demo sale's queue, pauses it and sets its admission rate.
func TestAnOperatorPausesASaleAndSetsItsRate(t *testing.T) {
	tab := browserTab(t)
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+e2eAdminKey)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	rowHas := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`document.getElementById("rows").textContent.includes("`+text+`")`, chromedp.WithPollingTimeout(10*time.Second))
	}
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/admin"),
		chromedp.SendKeys(css(`#key`), "not-the-key"+kb.Enter),
		chromedp.Poll[chromedp.Void](`document.getElementById("alert").textContent.includes("Unauthorized")`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.SendKeys(css(`#key`), e2eAdminKey+kb.Enter),
		chromedp.WaitVisible(css(`#rows button`)),
		rowHas("boxoffice-live"), rowHas("on_sale"),
		chromedp.Click(css(`#rows button[aria-label^="Pause"]`)),
		rowHas("paused"),
		chromedp.Focus(css(`#rows input[name="rate"]`)), // a focused table is not redrawn under the operator
		chromedp.SetValue(css(`#rows input[name="rate"]`), "7"),
		chromedp.Click(css(`#rows form button`)),
		rowHas("(set 7/s)"),
		screenshot(screenshotDir(t), "operator-paused-rate-set"),
	)
	if err != nil {
		alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
		rows, _ := chromedp.Run(tab, chromedp.TextContent(css(`#rows`)))
		t.Fatalf("the operator's page: %v (alert %q, rows %q)", err, alert, rows)
	}
}

// TestAFanLeavesTheQueueInTheBrowser: a fan waiting behind a full ceiling leaves from the page;
// the page says so and the queue counts them out at once (its waiting count drops to 0).
func TestAFanLeavesTheQueueInTheBrowser(t *testing.T) {
	tab := browserTab(t)
	const key = "leave-test-admin-key"
	base := memoryDev(t, "BOXOFFICE_MAX_ACTIVE=1", "BOXOFFICE_ADMIN_KEY="+key)
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	fan(t, api, "first-in") // fills the ceiling: the browser's fan waits
	waiting := func() int64 {
		t.Helper()
		res, err := api.QueueReportWithResponse(context.Background(), apiclient.AdminKey(key))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("queue report: %v %s", err, res.Body)
		}
		return res.JSON200.Waiting
	}
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err = chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button`)),
		chromedp.SendKeys(css(`#user`), "browser-leaver"),
		chromedp.Click(css(`#sales button`)),
		chromedp.WaitVisible(css(`#leave`)),
		screenshot(shots, "leave-1-waiting"),
	)
	if err != nil {
		t.Fatalf("joining the queue in the browser: %v", err)
	}
	if n := waiting(); n != 1 {
		t.Fatalf("%d fans waiting, want the browser's fan", n)
	}
	err = chromedp.Do(tab,
		chromedp.Click(css(`#leave`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("alert").textContent.includes("left the queue")`, chromedp.WithPollingTimeout(10*time.Second)),
		screenshot(shots, "leave-2-left"),
	)
	if err != nil {
		t.Fatalf("leaving the queue in the browser: %v", err)
	}
	if n := waiting(); n != 0 {
		t.Fatalf("%d fans waiting after the browser's fan left, want 0", n)
	}
}

// TestATicketBoughtInTheBrowserOutlivesItsSale: a fan buys a ticket in the browser; the
// operator closes the sale, so no queue token can be had for it; the page, opened again, still
// shows the ticket with its QR code, read with the credential it kept.
func TestATicketBoughtInTheBrowserOutlivesItsSale(t *testing.T) {
	tab := browserTab(t)
	const key = "kept-ticket-admin-key"
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+key)
	shots := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`#sales button`)),
		chromedp.SendKeys(css(`#user`), "keeper"),
		chromedp.Click(css(`#sales button`)),
		chromedp.WaitVisible(css(`#dates button`)),
		chromedp.Click(css(`#dates button`)),
		chromedp.WaitVisible(css(`#seats button.free`)),
		chromedp.Click(css(`#seats button.free`)),
		chromedp.Click(css(`#hold-chosen`)),
		chromedp.WaitVisible(css(`#hold #countdown`)),
		chromedp.Click(css(`#topup`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("balance").textContent !== ""`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(css(`#pay`)),
		chromedp.WaitVisible(css(`#qrs img`)),
	)
	if err != nil {
		alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
		t.Fatalf("buying in the browser: %v (the page said %q)", err, alert)
	}
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := api.ChangeSaleWithResponse(context.Background(), string(demoSale),
		apiclient.ChangeSaleJSONRequestBody{State: ptrTo(apiclient.ChangeSaleInputBodyStateClosed)}, apiclient.AdminKey(key))
	if err != nil || changed.JSON200 == nil {
		t.Fatalf("close the sale: %v %s", err, changed.Body)
	}
	err = chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#kept li img") !== null && document.querySelector("#kept li img").naturalWidth > 0`,
			chromedp.WithPollingTimeout(20*time.Second)),
		screenshot(shots, "kept-ticket-after-the-sale"),
	)
	kept, _ := chromedp.Run(tab, chromedp.Text(css(`#kept`)))
	if err != nil || !strings.Contains(kept, "paid") {
		stored, _ := chromedp.Run(tab, chromedp.Evaluate[string](`localStorage.getItem("boxoffice.tickets") ?? "nothing"`))
		alert, _ := chromedp.Run(tab, chromedp.TextContent(css(`#alert`)))
		t.Fatalf("the kept ticket after the sale closed: %v; the page lists %q (alert %q; kept %s)", err, kept, alert, stored)
	}
}

func ptrTo[T any](v T) *T { return &v }
