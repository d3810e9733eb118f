package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// recoveryBound is how long after the sale the books must be whole again: every hold paid or
// released. It covers the hold time, a Temporal restart's catch-up, and the admission tick's
// sweep of holds a minute overdue.
const recoveryBound = 2 * time.Minute

// TestChaos sells seats while the worker and an API instance are killed with SIGKILL and
// restarted, the Temporal dev server restarts from its file, and PostgreSQL restarts from an
// immediate shutdown. Afterwards the audit must pass within recoveryBound, every payment
// retried with its key must answer with the same receipt, and the platform's webhook receiver,
// registered before the sale, must have every event committed since, each verified. make chaos
// runs it.
func TestChaos(t *testing.T) {
	if os.Getenv("BOXOFFICE_CHAOS") == "" {
		t.Skip("chaos test: run with BOXOFFICE_CHAOS=1 (make chaos)")
	}
	pg := startPrivatePostgres(t)
	bin := buildBoxoffice(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	sys, err := sandbox.Spawn(ctx, sandbox.Options{
		Instances: 2, Binary: bin, AdminURL: pg.url, TemporalCLI: temporaltest.CLI(),
		HoldTTL: 4 * time.Second, SessionTTL: 2 * time.Minute, AdmitRate: 100, MaxActive: 300, Seats: 40,
		TemporalDB: filepath.Join(t.TempDir(), "temporal.db"),
		Env:        []string{"BOXOFFICE_WEBHOOK_ALLOW=127.0.0.1"}, // the platform's receiver below
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Stop()
	platform, err := listenAsPlatform(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	defer platform.close()
	clients, err := apiClients(sys.Targets, 64)
	if err != nil {
		t.Fatal(err)
	}

	faults := injectFaults(
		fault{3 * time.Second, "kill -9 the worker, restart it after 2 s", func() error { return sys.Crash(0, 2*time.Second) }},
		fault{2 * time.Second, "kill -9 an API instance, restart it after 2 s", func() error { return sys.Crash(2, 2*time.Second) }},
		fault{2 * time.Second, "restart the Temporal dev server from its file", func() error { return sys.RestartTemporal(ctx, time.Second) }},
		fault{2 * time.Second, "restart PostgreSQL (immediate shutdown)", pg.restart},
	)
	fans, _, _, _ := runFans(ctx, clients, rushOptions{fans: 400, arrival: 12 * time.Second, abandon: 0.1, holdRetries: 5, targets: sys.Targets, sales: sys.Sales, stream: 0.3})
	checkFaults(t, faults)
	if bought, paidAfterRetry := retryPayments(ctx, t, fans); bought+paidAfterRetry == 0 {
		t.Fatal("nobody bought anything: the sale never ran")
	}
	awaitWholeBooks(ctx, t, sys)
	awaitEveryEvent(ctx, t, sys, platform)
}

// awaitEveryEvent checks that the platform's receiver took every event committed since it
// registered, for up to recoveryBound: the deliveries outlived the faults.
func awaitEveryEvent(ctx context.Context, t *testing.T, sys *sandbox.System, p *platform) {
	t.Helper()
	types, err := p.awaitEveryEvent(ctx, sys, recoveryBound)
	if err != nil {
		t.Fatal(err)
	}
	if types[webhook.OrderPaid] == 0 {
		t.Fatalf("the platform heard no payment: %v", types)
	}
	t.Logf("the platform got every committed event, each verified: %v", types)
}

// fault is a step of a chaos run: after a pause, something breaks.
type fault struct {
	after time.Duration
	name  string
	do    func() error
}

// injectFaults runs the faults one after the other in the background and reports each, named,
// on the channel it closes after the last.
func injectFaults(faults ...fault) <-chan string {
	done := make(chan string, len(faults))
	go func() {
		defer close(done)
		for _, f := range faults {
			time.Sleep(f.after)
			if err := f.do(); err != nil {
				done <- fmt.Sprintf("%s: FAILED: %v", f.name, err)
				continue
			}
			done <- f.name
		}
	}()
	return done
}

// checkFaults logs each fault as it was done, and fails the test on one that could not be.
func checkFaults(t *testing.T, faults <-chan string) {
	t.Helper()
	for f := range faults {
		t.Log("fault:", f)
		if strings.Contains(f, "FAILED") {
			t.Error(f)
		}
	}
}

// retryPayments retries every payment the fans attempted with its key: each now answers for
// sure, with the first receipt where the fan saw one, and never a second payment (the audit
// counts them). It returns how many fans saw a receipt, and how many more found theirs.
func retryPayments(ctx context.Context, t *testing.T, fans []*fan) (bought, paidAfterRetry int) {
	t.Helper()
	for _, f := range fans {
		if f.receipt != nil {
			bought++
		}
		if (f.hold == nil && f.order == nil) || f.abandonAt == "hold" {
			continue
		}
		res, err := retryPay(ctx, f)
		if err != nil {
			t.Errorf("fan %s: payment retry never got an answer: %v", f.user, err)
			continue
		}
		switch {
		case f.receipt != nil && (res.receipt == nil || *res.receipt != *f.receipt):
			t.Errorf("fan %s: retry answered %d %s, want the first receipt %+v", f.user, res.StatusCode(), res.Body, *f.receipt)
		case f.receipt == nil && res.receipt != nil:
			paidAfterRetry++ // the first attempt's answer was lost, the payment was not
		}
	}
	t.Logf("%d fans saw a receipt; %d more found theirs by retrying", bought, paidAfterRetry)
	return bought, paidAfterRetry
}

// awaitWholeBooks audits the system until every invariant holds, for up to recoveryBound.
func awaitWholeBooks(ctx context.Context, t *testing.T, sys *sandbox.System) {
	t.Helper()
	saleEnded := time.Now()
	for {
		audit, err := auditSystem(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		if audit.OK {
			t.Logf("books whole %s after the sale (bound %s):\n%s", time.Since(saleEnded).Round(time.Second), recoveryBound, audit.Output)
			return
		}
		if time.Since(saleEnded) > recoveryBound {
			t.Fatalf("books not whole %s after the sale:\n%s", recoveryBound, audit.Output)
		}
		time.Sleep(5 * time.Second)
	}
}

// retryPay pays again until an answer that is not a transport error or a 5xx.
func retryPay(ctx context.Context, f *fan) (*payment, error) {
	var lastErr error
	for range 30 {
		res, err := f.pay(ctx)
		if err == nil && res.StatusCode() < http.StatusInternalServerError {
			return res, nil
		}
		lastErr = fmt.Errorf("%v %v", err, statusOrZero(res))
		time.Sleep(time.Second)
	}
	return nil, lastErr
}

func statusOrZero(r *payment) int {
	if r == nil {
		return 0
	}
	return r.StatusCode()
}

// TestChaosCancellation cancels a sold-out performance of 2,000 seats while the worker is killed
// with SIGKILL mid-round and the Temporal dev server restarts from its file: the cancellation
// still completes, every fan is refunded exactly once and the audit passes. make chaos runs it.
func TestChaosCancellation(t *testing.T) {
	if os.Getenv("BOXOFFICE_CHAOS") == "" {
		t.Skip("chaos test: run with BOXOFFICE_CHAOS=1 (make chaos)")
	}
	bin := buildBoxoffice(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	sys, err := sandbox.Spawn(ctx, sandbox.Options{
		Instances: 1, Binary: bin, AdminURL: sandbox.DefaultAdminURL(), TemporalCLI: temporaltest.CLI(),
		HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 100, MaxActive: 100, Seats: 1,
		TemporalDB: filepath.Join(t.TempDir(), "temporal.db"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Stop()
	faults := func() []string {
		var done []string
		step := func(after time.Duration, name string, f func() error) {
			time.Sleep(after)
			if err := f(); err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			done = append(done, name)
		}
		step(300*time.Millisecond, "kill -9 the worker mid-round, restart it after 2 s", func() error { return sys.Crash(0, 2*time.Second) })
		step(time.Second, "restart the Temporal dev server from its file", func() error { return sys.RestartTemporal(ctx, time.Second) })
		return done
	}
	r, err := cancelSoldOutDate(ctx, sys, 2000, faults)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r.print(&out)
	if !r.Audit.OK || len(r.Faults) != 2 {
		t.Fatalf("after the faults:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// buildBoxoffice builds the binary the chaos tests spawn, in boxoffice's own module (two
// directories up, which this module's go.mod replaces boxoffice with).
func buildBoxoffice(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "boxoffice")
	build := exec.Command("go", "build", "-o", bin, "./cmd/boxoffice")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build boxoffice: %v\n%s", err, out)
	}
	return bin
}
