package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/process"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/delivery"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// requireE2E makes missing prerequisites fail instead of skip (CI sets it).
const requireE2E = "BOXOFFICE_E2E_REQUIRED"

// recordHistories names the workflows folder; the test writes the histories of a paid and a
// released hold, of the queue's admission workflow and of the sweep into its packages'
// testdata, for the replay tests.
const recordHistories = "BOXOFFICE_RECORD_HISTORIES"

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(requireE2E) != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// e2eSystem is a running boxoffice: a worker and two API instances on one database and one
// Temporal dev server.
type e2eSystem struct {
	api, api2   *apiclient.ClientWithResponses // a client of each API instance
	base, base2 string
	server      *testsuite.DevServer
	bin         string   // the boxoffice binary
	env         []string // its roles' environment
	dbURL       string   // its database
	// metrics are the /metrics URLs of the worker and of each API instance, in that order.
	metrics [3]string
}

// run runs a boxoffice command (migrate, audit) to completion against the system.
func (sys *e2eSystem) run(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(sys.bin, args...)
	cmd.Env = sys.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boxoffice %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// requirePrerequisites skips the test (or fails it, in CI) without the Temporal CLI or
// PostgreSQL, and returns the CLI's path.
func requirePrerequisites(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cli, err := findTemporalCLI(os.Getenv("TEMPORAL_CLI"))
	if err != nil {
		skipOrFail(t, "end-to-end test needs the Temporal CLI: %v", err)
	}
	if os.Getenv(pgtest.EnvURL) == "" {
		skipOrFail(t, "end-to-end test needs PostgreSQL: set %s", pgtest.EnvURL)
	}
	return cli
}

// buildBoxoffice builds the binary under test.
func buildBoxoffice(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "boxoffice")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build boxoffice: %v\n%s", err, out)
	}
	return bin
}

func startSystem(t *testing.T, holdTTL time.Duration, extraEnv ...string) *e2eSystem {
	t.Helper()
	cli := requirePrerequisites(t)
	dbURL := pgtest.Database(t)
	bin := buildBoxoffice(t)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	server, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli, LogLevel: "error",
	})
	if err != nil {
		t.Fatalf("start Temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = server.Stop() })

	var addrs [2]string        // the API instances'
	var metricsAddrs [3]string // the worker's and the API instances' metrics
	for i := range 5 {
		port, err := freeport.Port()
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			addrs[i] = fmt.Sprintf("127.0.0.1:%d", port)
		} else {
			metricsAddrs[i-2] = fmt.Sprintf("127.0.0.1:%d", port)
		}
	}
	env := append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"TEMPORAL_ADDRESS="+server.FrontendHostPort(),
		"BOXOFFICE_TOKEN_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)),
		"BOXOFFICE_TICKET_KEY="+base64.StdEncoding.EncodeToString(e2eTicketSeed),
		"BOXOFFICE_HOLD_TTL="+holdTTL.String(),
		"BOXOFFICE_ADMIT_TICK=200ms",
		"BOXOFFICE_ADMIN_KEY="+e2eAdminKey,
		"BOXOFFICE_WEBHOOK_ALLOW=127.0.0.1", // the tests' loopback receivers
		"BOXOFFICE_LOG_LEVEL=warn",
	)
	env = append(env, extraEnv...)
	sys := &e2eSystem{base: "http://" + addrs[0], base2: "http://" + addrs[1], server: server, bin: bin, env: env, dbURL: dbURL}
	sys.run(t, "migrate", "--demo")
	for i, role := range []string{"worker", "api", "api"} {
		cmd := exec.Command(bin, role)
		cmd.Env = append(slices.Clip(env), "BOXOFFICE_METRICS_ADDR="+metricsAddrs[i])
		sys.metrics[i] = "http://" + metricsAddrs[i] + "/metrics"
		if role == "api" {
			cmd.Env = append(cmd.Env, "BOXOFFICE_ADDR="+addrs[i-1])
		}
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// SIGTERM must stop each role cleanly.
			_ = cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("boxoffice %s did not exit cleanly on SIGTERM: %v\n%s", role, err, logs.String())
				}
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Errorf("boxoffice %s still running 20s after SIGTERM\n%s", role, logs.String())
			}
		})
	}
	readyCtx, cancelReady := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelReady()
	for _, base := range []string{sys.base, sys.base2} {
		if err := process.AwaitReady(readyCtx, base); err != nil {
			t.Fatal(err)
		}
	}
	var err1, err2 error
	sys.api, err1 = apiclient.NewClientWithResponses(sys.base)
	sys.api2, err2 = apiclient.NewClientWithResponses(sys.base2)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return sys
}

// e2eAdminKey is the api process's BOXOFFICE_ADMIN_KEY.
const e2eAdminKey = "e2e-admin-key"

// e2eTicketSeed is the seed of the services' ticket key, with which the tests verify the
// credentials they are given as a gate would.
var e2eTicketSeed = bytes.Repeat([]byte{10}, 32)

// streamUntilActive reads GET /api/token/events until the stream closes and returns the status
// of its last status event.
func streamUntilActive(t *testing.T, base, token string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/token/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("event stream: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("event stream answered %d", res.StatusCode)
	}
	var last string
	_ = apiclient.ReadEvents(res.Body, func(name, data string) bool {
		var ev apiclient.TokenBody
		if name == "status" && json.Unmarshal([]byte(data), &ev) == nil {
			last = string(ev.Status)
		}
		return true
	})
	if err := ctx.Err(); err != nil {
		t.Fatalf("event stream still open after 20 s (last status %q)", last)
	}
	return last
}

// fan takes a token of the default sale and polls until admitted.
func fan(t *testing.T, api *apiclient.ClientWithResponses, user string) string {
	t.Helper()
	return fanOf(t, api, user, "")
}

// fanOf takes a token of a sale ("": the default one) and polls until admitted.
func fanOf(t *testing.T, api *apiclient.ClientWithResponses, user, sale string) string {
	t.Helper()
	tok := issueIn(t, api, user, sale)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		poll, err := api.PollTokenWithResponse(context.Background(), apiclient.Bearer(tok))
		if err != nil || poll.JSON200 == nil {
			t.Fatalf("poll: %v %s", err, poll.Body)
		}
		if poll.JSON200.Status == apiclient.Active {
			return tok
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not admitted within 15s", user)
	return ""
}

// issueIn takes a token of a sale ("": the default one).
func issueIn(t *testing.T, api *apiclient.ClientWithResponses, user, sale string) string {
	t.Helper()
	body := apiclient.Fan(user)
	if sale != "" {
		body = apiclient.FanOf(user, sale)
	}
	res, err := api.IssueTokenWithResponse(context.Background(), body)
	if err != nil || res.JSON200 == nil {
		t.Fatalf("issue token for %s: %v %s", user, err, res.Body)
	}
	if sale != "" && res.JSON200.SaleId != sale {
		t.Fatalf("%s's token is of %s, want %s", user, res.JSON200.SaleId, sale)
	}
	return res.JSON200.Token
}

func date(t *testing.T, s string) openapitypes.Date {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return openapitypes.Date{Time: d}
}

func TestEndToEnd(t *testing.T) {
	sys := startSystem(t, 2*time.Second)
	api, server, baseURL := sys.api, sys.server, sys.base
	ctx := context.Background()

	// 0. The ticketing platform hears everything that happens from here on at its endpoint.
	platform := listenForWebhooks(t, sys)

	// 1. Token: a bad user id is refused and issues nothing.
	bad, err := api.IssueTokenWithResponse(ctx, apiclient.Fan("no spaces allowed"))
	if err != nil || bad.StatusCode() != 400 || bad.ApplicationproblemJSON400 == nil {
		t.Fatalf("bad user id: %v %d %s", err, bad.StatusCode(), bad.Body)
	}
	ann := fan(t, api, "ann")

	// 2. Dates: the demo sale's three.
	dates, err := api.ListDatesWithResponse(ctx, apiclient.Bearer(ann))
	if err != nil || dates.JSON200 == nil || len(*dates.JSON200) != 3 {
		t.Fatalf("dates: %v %s", err, dates.Body)
	}
	show := (*dates.JSON200)[0]

	// 3. Seats: 50, all available; a malformed date is 400.
	seats, err := api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &openapitypes.Date{Time: date(t, show).Time}}, apiclient.Bearer(ann))
	if err != nil || seats.JSON200 == nil || len(*seats.JSON200) != 50 {
		t.Fatalf("seats: %v %s", err, seats.Body)
	}
	badSeats, _ := api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &openapitypes.Date{Time: date(t, "1999-01-01").Time}}, apiclient.Bearer(ann))
	if badSeats.StatusCode() != 400 {
		t.Fatalf("seats of a date with no performance: %d %s", badSeats.StatusCode(), badSeats.Body)
	}

	// 4. Hold: seat 11 (Stalls, 50,000 won) for ann; a second fan loses the race with 409; seat
	// 51 does not exist.
	hold, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date(t, show), SeatId: 11}, apiclient.Bearer(ann))
	if err != nil || hold.JSON200 == nil || hold.JSON200.Status != apiclient.HoldBodyStatusReserved || hold.JSON200.Price != 50_000 || hold.JSON200.Section != "Stalls" {
		t.Fatalf("hold: %v %s", err, hold.Body)
	}
	ticket := hold.JSON200.TicketId
	ben := fan(t, api, "ben")
	lost, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date(t, show), SeatId: 11}, apiclient.Bearer(ben))
	if lost.StatusCode() != 409 || lost.ApplicationproblemJSON409 == nil {
		t.Fatalf("second hold of seat 11: %d %s", lost.StatusCode(), lost.Body)
	}
	noSeat, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date(t, show), SeatId: 51}, apiclient.Bearer(ben))
	if noSeat.StatusCode() != 400 {
		t.Fatalf("hold of seat 51: %d %s", noSeat.StatusCode(), noSeat.Body)
	}

	// 5. Pay: 402 with an empty wallet; charge (400 for a bad amount); pay; the receipt.
	pay := apiclient.PayJSONRequestBody{TicketId: ticket, SeatId: 11, Date: date(t, show)}
	short, _ := api.PayWithResponse(ctx, nil, pay, apiclient.Bearer(ann))
	if short.StatusCode() != 402 || short.ApplicationproblemJSON402 == nil || *short.ApplicationproblemJSON402.Needed != 50_000 {
		t.Fatalf("pay with an empty wallet: %d %s", short.StatusCode(), short.Body)
	}
	badCharge, _ := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 0}, apiclient.Bearer(ann))
	if badCharge.StatusCode() != 400 {
		t.Fatalf("charge of 0: %d", badCharge.StatusCode())
	}
	// A keyed top-up retried three times charges once, on PostgreSQL as in memory.
	topUp := "ann-top-up-1"
	for range 3 {
		charged, err := api.ChargeBalanceWithResponse(ctx, &apiclient.ChargeBalanceParams{IdempotencyKey: &topUp}, apiclient.ChargeBalanceJSONRequestBody{Amount: 80_000}, apiclient.Bearer(ann))
		if err != nil || charged.JSON200 == nil || charged.JSON200.Balance != 80_000 {
			t.Fatalf("keyed charge: %v %s", err, charged.Body)
		}
	}
	notBens, _ := api.PayWithResponse(ctx, nil, pay, apiclient.Bearer(ben))
	if notBens.StatusCode() != 400 {
		t.Fatalf("ben paying ann's ticket: %d %s", notBens.StatusCode(), notBens.Body)
	}
	paid := payInDuplicate(t, sys, ann, pay)
	if paid.JSON200.Status != apiclient.Success || paid.JSON200.Receipt.Amount != 50_000 ||
		paid.JSON200.Receipt.PerformanceDate.Time != date(t, show).Time || time.Since(paid.JSON200.Receipt.Date) > time.Minute {
		t.Fatalf("pay: %s", paid.Body)
	}

	// 6. The payer's token is expired at once; a retried payment still gets its receipt, once.
	after, _ := api.ReadBalanceWithResponse(ctx, apiclient.Bearer(ann))
	if after.StatusCode() != 401 {
		t.Fatalf("balance with the token of a finished purchase: %d", after.StatusCode())
	}
	retried, _ := api.PayWithResponse(ctx, nil, pay, apiclient.Bearer(ann))
	if retried.JSON200 == nil || retried.JSON200.Receipt != paid.JSON200.Receipt {
		t.Fatalf("retried payment: %d %s, want the first receipt", retried.StatusCode(), retried.Body)
	}
	again := fan(t, api, "ann")
	bal, _ := api.ReadBalanceWithResponse(ctx, apiclient.Bearer(again))
	if bal.JSON200 == nil || bal.JSON200.Balance != 30_000 {
		t.Fatalf("balance after paying: %s", bal.Body)
	}

	// 7. A hold nobody pays is released after its 2 s: the seat is available and paying it is 400.
	held, _ := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date(t, show), SeatId: 12}, apiclient.Bearer(ben))
	if held.JSON200 == nil {
		t.Fatalf("ben's hold: %s", held.Body)
	}
	_, _ = api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 60_000}, apiclient.Bearer(ben))
	releasedID := held.JSON200.TicketId
	waitReleased(t, server, releasedID)
	seats, _ = api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &openapitypes.Date{Time: date(t, show).Time}}, apiclient.Bearer(ben))
	if (*seats.JSON200)[10].Status != apiclient.SeatBodyStatusReserved || (*seats.JSON200)[11].Status != apiclient.SeatBodyStatusAvailable {
		t.Fatalf("after the release: seat 11 %s, seat 12 %s", (*seats.JSON200)[10].Status, (*seats.JSON200)[11].Status)
	}
	late, _ := api.PayWithResponse(ctx, nil, apiclient.PayJSONRequestBody{TicketId: releasedID, SeatId: 12, Date: date(t, show)}, apiclient.Bearer(ben))
	if late.StatusCode() != 400 {
		t.Fatalf("paying a released hold: %d %s", late.StatusCode(), late.Body)
	}
	benBal, _ := api.ReadBalanceWithResponse(ctx, apiclient.Bearer(ben))
	if benBal.JSON200 == nil || benBal.JSON200.Balance != 60_000 {
		t.Fatalf("ben's balance after refused payments: %s", benBal.Body)
	}

	// 8. Operators steer the demo sale's running queue: a second Start keeps its settings,
	// Stats reads it, a zero rate is refused, and two changes sent at once (rate and ceiling)
	// both apply.
	adm := temporal.NewAdmission(server.Client())
	if err := adm.Start(ctx, demoSale, queue.Settings{AdmitRate: 1, MaxActive: 1, Tick: time.Second}); err != nil {
		t.Fatalf("starting the running queue again: %v", err)
	}
	stats, err := adm.Stats(ctx, demoSale)
	if err != nil || stats.Settings.AdmitRate != 50 || stats.AdmittedTotal < 3 || stats.Ticks == 0 {
		t.Fatalf("queue stats %+v, %v; want the configured rate 50 and at least 3 admitted", stats, err)
	}
	zero, seven, ten := 0, 7, 10
	if _, err := adm.Change(ctx, demoSale, queue.Change{AdmitRate: &zero}); err == nil {
		t.Fatal("a zero admission rate was accepted")
	}
	var changes sync.WaitGroup
	for _, c := range []queue.Change{{AdmitRate: &seven}, {MaxActive: &ten}} {
		changes.Go(func() {
			if _, err := adm.Change(ctx, demoSale, c); err != nil {
				t.Errorf("change %+v: %v", c, err)
			}
		})
	}
	changes.Wait()
	if stats, _ = adm.Stats(ctx, demoSale); stats.Settings.AdmitRate != 7 || stats.Settings.MaxActive != 10 || stats.Settings.Revision != 2 {
		t.Fatalf("settings after two concurrent changes: %+v, want rate 7 and ceiling 10 at revision 2", stats.Settings)
	}

	// 9. The same through the admin API, which the api process relays to the workflow: 401
	// without the key; a ceiling at the number already active holds a new fan back tick after
	// tick; raising it admits them, which their event stream reports before it closes.
	if noKey, _ := api.QueueReportWithResponse(ctx); noKey.StatusCode() != 401 {
		t.Fatalf("admin report without the key: %d %s", noKey.StatusCode(), noKey.Body)
	}
	report, err := api.QueueReportWithResponse(ctx, apiclient.AdminKey(e2eAdminKey))
	if err != nil || report.JSON200 == nil || report.JSON200.AdmitRate != 7 || report.JSON200.AdmittedTotal < 3 {
		t.Fatalf("admin report: %v %s; want the rate of 7 set through the workflow", err, report.Body)
	}
	full := report.JSON200.Active
	changed, err := api.ChangeAdmissionWithResponse(ctx, apiclient.ChangeAdmissionJSONRequestBody{MaxActive: &full}, apiclient.AdminKey(e2eAdminKey))
	if err != nil || changed.JSON200 == nil || changed.JSON200.MaxActive != full {
		t.Fatalf("lowering the ceiling to %d: %v %s", full, err, changed.Body)
	}
	cat, err := api.IssueTokenWithResponse(ctx, apiclient.Fan("cat"))
	if err != nil || cat.JSON200 == nil {
		t.Fatalf("cat's token: %v %s", err, cat.Body)
	}
	time.Sleep(time.Second) // five ticks of 200 ms
	if poll, _ := api.PollTokenWithResponse(ctx, apiclient.Bearer(cat.JSON200.Token)); poll.JSON200 == nil || poll.JSON200.Status != apiclient.Waiting {
		t.Fatalf("with the ceiling full, cat polls %s; want still waiting", poll.Body)
	}
	raised := full + 5
	if changed, _ = api.ChangeAdmissionWithResponse(ctx, apiclient.ChangeAdmissionJSONRequestBody{MaxActive: &raised}, apiclient.AdminKey(e2eAdminKey)); changed.JSON200 == nil {
		t.Fatalf("raising the ceiling: %s", changed.Body)
	}
	if last := streamUntilActive(t, baseURL, cat.JSON200.Token); last != "active" {
		t.Fatalf("cat's event stream ended at %q, want active", last)
	}

	// 10. An operator puts a sale on over HTTP; fans find it, queue, and pay each section's
	// price; it pauses, and then closes.
	closed := sellASale(t, sys)

	// 11. After the payment: tickets, QR codes, the gate, a fan's cancellation and an
	// operator's cancellation of a performance.
	cancelled := afterThePayment(t, sys)

	// 12. Orders: four seats together paid once; an unpaid order released whole.
	paidOrder, releasedOrder := buyTogether(t, sys, (*dates.JSON200)[2])

	// 13. The waitlist: a seat given back goes at once to the fan waiting for it, who pays it.
	waitForAReturnedSeat(t, sys)

	// 14. The platform got every event committed since it registered, each signed and in order.
	platform.awaitEveryEvent(t, sys, webhook.OrderPaid, webhook.TicketCancelled, webhook.TicketCheckedIn,
		webhook.PerformanceCancelled, webhook.SaleStateChanged, webhook.WaitlistOffered, webhook.SaleSoldOut)

	// 15. The audit passes for every sale.
	if out := sys.run(t, "audit"); !strings.Contains(out, "every paid ticket's credential verifies\n") {
		t.Fatalf("the audit did not verify the credentials with the ticket key:\n%s", out)
	}

	if dir := os.Getenv(recordHistories); dir != "" {
		writeHistory(t, server, reservation.WorkflowID(ticket.String()), filepath.Join(dir, "reservation", "testdata", "paid-latest.json"))
		writeHistory(t, server, reservation.WorkflowID(releasedID.String()), filepath.Join(dir, "reservation", "testdata", "released-latest.json"))
		writeHistory(t, server, reservation.OrderWorkflowID(paidOrder), filepath.Join(dir, "reservation", "testdata", "order-paid.json"))
		writeHistory(t, server, reservation.OrderWorkflowID(releasedOrder), filepath.Join(dir, "reservation", "testdata", "order-released.json"))
		writeHistory(t, server, admission.WorkflowID(demoSale), filepath.Join(dir, "admission", "testdata", "sale.json"))
		writeHistory(t, server, admission.WorkflowID(closed), filepath.Join(dir, "admission", "testdata", "sale-closed.json"))
		writeHistory(t, server, cancelled, filepath.Join(dir, "cancellation", "testdata", "performance-cancelled.json"))
		writeHistory(t, server, delivery.WorkflowID(platform.endpoint()), filepath.Join(dir, "delivery", "testdata", "delivering.json"))
	}
}

// payInDuplicate sends one payment twenty times at once without an Idempotency-Key, half to
// each API instance, as clients retrying on timeouts would. Every answer must be the one receipt,
// or 409 with Retry-After; it returns a 200.
func payInDuplicate(t *testing.T, sys *e2eSystem, token string, pay apiclient.PayJSONRequestBody) *apiclient.PayResponse {
	t.Helper()
	answers := make([]*apiclient.PayResponse, 20)
	errs := make([]error, len(answers))
	var wg sync.WaitGroup
	for i := range answers {
		api := sys.api
		if i%2 == 1 {
			api = sys.api2
		}
		wg.Go(func() {
			answers[i], errs[i] = api.PayWithResponse(context.Background(), nil, pay, apiclient.Bearer(token))
		})
	}
	wg.Wait()
	var paid *apiclient.PayResponse
	for i, res := range answers {
		switch {
		case errs[i] != nil:
			t.Fatalf("duplicate payment %d: %v", i, errs[i])
		case res.JSON200 != nil:
			if paid != nil && res.JSON200.Receipt != paid.JSON200.Receipt {
				t.Fatalf("two receipts for one payment: %s and %s", paid.Body, res.Body)
			}
			paid = res
		case res.StatusCode() == 409 && res.HTTPResponse.Header.Get("Retry-After") != "":
		default:
			t.Fatalf("duplicate payment %d (instance %d) answered %d: %s", i, i%2+1, res.StatusCode(), res.Body)
		}
	}
	if paid == nil {
		t.Fatal("no duplicate payment got the receipt")
	}
	return paid
}

// waitReleased waits for the reservation workflow to finish with status released.
func waitReleased(t *testing.T, server *testsuite.DevServer, ticket openapitypes.UUID) {
	t.Helper()
	if st := awaitHoldWorkflow(t, server, reservation.WorkflowID(ticket.String())); st.Status != reservation.StatusReleased {
		t.Fatalf("unpaid hold ended %s, want released", st.Status)
	}
}

func writeHistory(t *testing.T, server *testsuite.DevServer, workflowID, path string) {
	t.Helper()
	ctx := context.Background()
	iter := server.Client().GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	raw, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events of %s to %s", len(h.Events), workflowID, path)
}
