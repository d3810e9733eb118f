package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// TestClusterRush runs two sales at once on boxoffice's production shape (a Temporal server
// built from source on PostgreSQL, two workers, three APIs behind HAProxy, PostgreSQL behind
// PgBouncer in transaction mode): first a rush with nothing going wrong, which must end with no
// error, admission in exact order and the audit whole; then a second rush while an API behind
// the proxy and a worker are killed with SIGKILL, every Temporal service restarts and PgBouncer
// is killed and restarted. Afterwards every payment retried with its key answers with its
// first receipt, the audit must pass within recoveryBound, and the platform's webhook receiver
// must have every event committed since the second rush began. make cluster-rush runs it.
func TestClusterRush(t *testing.T) {
	const holdTTL = 15 * time.Second
	if os.Getenv("BOXOFFICE_CLUSTER") == "" {
		t.Skip("cluster rush: run with BOXOFFICE_CLUSTER=1 (make cluster-rush)")
	}
	server := sandbox.DefaultTemporalServer()
	if server == "" {
		t.Fatal("BOXOFFICE_TEMPORAL_SERVER is not set: make cluster-rush builds the Temporal server and sets it")
	}
	bin := buildBoxoffice(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	began := time.Now()
	sys, err := sandbox.Spawn(ctx, sandbox.Options{
		Instances: 3, Workers: 2, Cluster: true, TemporalServer: server, Sales: 2,
		Binary: bin, AdminURL: sandbox.DefaultAdminURL(), TemporalCLI: temporaltest.CLI(),
		HoldTTL: holdTTL, SessionTTL: 2 * time.Minute, AdmitRate: 100, MaxActive: 300, Seats: 120,
		Env: []string{"BOXOFFICE_WEBHOOK_ALLOW=127.0.0.1"}, // the platform's receiver of the second rush
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Stop()
	var where bytes.Buffer
	describeCluster(&where, sys, time.Since(began))
	t.Log(where.String())
	clients, err := apiClients(sys.Targets, 128)
	if err != nil {
		t.Fatal(err)
	}
	rushOf := func(fans int) rushOptions {
		return rushOptions{fans: fans, arrival: 8 * time.Second, abandon: 0.1, holdRetries: 5, targets: sys.Targets,
			sales: sys.Sales, stream: 0.3, both: 0.2}
	}

	// The first rush: nothing goes wrong, so nothing may.
	before, err := readClusterCounters(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fans, rec, sales, _ := runFans(ctx, clients, rushOf(300))
	report := buildReport(fans, rec, sales, start, time.Since(start), sys.Targets)
	var table bytes.Buffer
	report.writeTable(&table)
	t.Logf("first rush, no faults:\n%s", table.String())
	if problem := rushVerdict(report); problem != "" {
		t.Error(problem)
	}
	// A payment that outlives the API's 10-s deadline is answered 503, "retry it: a payment
	// that went through returns its receipt": on some machines of this kind one or two of about
	// 330 did, while the p99 was 4.5 to 7 s, at this commit and the one before it alike, with no
	// warning from any process. So those fans retry as they are told, below, and the retry must
	// say truthfully what became of the payment (its receipt, or the hold ended unpaid), and
	// the audit after the second rush that nothing was lost or doubled; any other error fails
	// the rush.
	pending := paymentsPastDeadline(fans)
	if n := errorsIn(report); n > pending {
		t.Errorf("%d requests failed in a rush without faults: %v", n, report.Errors)
		logFailures(t, fans)
	}
	if report.SeatsSold == 0 {
		t.Fatal("the first rush sold nothing")
	}
	// What the sale cost, once the holds left unpaid have been released: a ticket's share.
	time.Sleep(holdTTL + 2*time.Second)
	after, err := readClusterCounters(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the first rush cost, a ticket sold (%d sold; the waiting room, holds given up and released included): %s",
		report.SeatsSold, after.minus(before).per(report.SeatsSold))
	t.Logf("and a purchase (%d: a seat's payment, or an order's of one to four): %s", report.Purchases, after.minus(before).per(report.Purchases))
	if pending > 0 {
		settled, released := retryPastDeadline(ctx, t, fans)
		t.Logf("%d payments outlived the API's 10-s deadline; retried, %d answered their receipt and %d that the hold ended unpaid",
			pending, settled, released)
	}

	// The second rush, with faults, and the platform listening to every event (after the first
	// rush's costs: those are a sale's without webhooks).
	platform, err := listenAsPlatform(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	defer platform.close()
	firstAPI := sys.Workers()
	faults := injectFaults(
		fault{2 * time.Second, "kill -9 an API behind the proxy, restart it after 2 s", func() error { return sys.Crash(firstAPI, 2*time.Second) }},
		fault{2 * time.Second, "kill -9 a worker, restart it after 2 s", func() error { return sys.Crash(0, 2*time.Second) }},
		fault{2 * time.Second, "restart every Temporal service", func() error { return sys.RestartTemporal(ctx, time.Second) }},
		fault{2 * time.Second, "kill -9 PgBouncer, restart it after 1 s", func() error { return sys.RestartPgBouncer(ctx, time.Second) }},
	)
	fans, _, _, _ = runFans(ctx, clients, rushOf(400))
	checkFaults(t, faults)
	retryPayments(ctx, t, fans)
	logFailures(t, fans)
	awaitWholeBooks(ctx, t, sys)
	awaitEveryEvent(ctx, t, sys, platform)
}

// errorsIn counts a rush's failed requests.
func errorsIn(r RushReport) int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// paymentPastDeadline reports whether f's payment was answered 503 because it did not complete
// within the API's deadline.
func paymentPastDeadline(f *fan) bool {
	return f.outcome == failed && f.err != nil && strings.Contains(f.err.Error(), booking.ErrPaymentPending.Error())
}

// paymentsPastDeadline counts the fans whose payment outlived the API's deadline.
func paymentsPastDeadline(fans []*fan) int {
	n := 0
	for _, f := range fans {
		if paymentPastDeadline(f) {
			n++
		}
	}
	return n
}

// retryPastDeadline retries each payment that outlived the API's deadline with its key, as the
// 503 says to, and requires the truth about it: its receipt if it went through, or that the
// hold ended unpaid (its hold's deadline may have passed before it settled).
func retryPastDeadline(ctx context.Context, t *testing.T, fans []*fan) (settled, released int) {
	t.Helper()
	for _, f := range fans {
		if !paymentPastDeadline(f) {
			continue
		}
		res, err := retryPay(ctx, f)
		switch {
		case err != nil:
			t.Errorf("fan %s: the payment's retry never got an answer: %v", f.user, err)
		case res.receipt != nil:
			settled++
		case strings.Contains(string(res.Body), booking.ErrHoldExpired.Error()), strings.Contains(string(res.Body), booking.ErrOrderEnded.Error()):
			released++
		default:
			t.Errorf("fan %s: the payment's retry answered %d %s; want its receipt or that the hold ended unpaid", f.user, res.StatusCode(), res.Body)
		}
	}
	return settled, released
}

// logFailures logs the fans whose visit failed, and why, a few of each reason.
func logFailures(t *testing.T, fans []*fan) {
	t.Helper()
	seen := map[string]int{}
	for _, f := range fans {
		if f.outcome != failed || f.err == nil {
			continue
		}
		why := f.err.Error()
		if seen[why]++; seen[why] <= 3 {
			t.Logf("fan %s failed: %s", f.user, why)
		}
	}
	for why, n := range seen {
		if n > 3 {
			t.Logf("%d fans in all failed with: %s", n, why)
		}
	}
}
