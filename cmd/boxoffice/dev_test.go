package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/process"
)

// TestDevOnPostgreSQLKeepsHoldsAcrossARestart holds a seat in `boxoffice dev` on PostgreSQL,
// restarts dev, and pays the hold: its workflow lived on in the dev server's state file, so
// the payment goes through, as it would against a real Temporal cluster.
func TestDevOnPostgreSQLKeepsHoldsAcrossARestart(t *testing.T) {
	requirePrerequisites(t)
	state := filepath.Join(t.TempDir(), "state", "temporal.db")
	bin, base, env := devSetup(t,
		"DATABASE_URL="+pgtest.Database(t),
		"BOXOFFICE_TOKEN_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 32)),
		"BOXOFFICE_TEMPORAL_STATE="+state,
	)
	startDev := func() (stop func()) { return startDevProcess(t, bin, env, base) }

	stop := startDev()
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok := fan(t, api, "restarter")
	dates, err := api.ListDatesWithResponse(ctx, apiclient.Bearer(tok))
	if err != nil || dates.JSON200 == nil || len(*dates.JSON200) == 0 {
		t.Fatalf("dates: %v %s", err, dates.Body)
	}
	show := date(t, (*dates.JSON200)[0])
	hold, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: show, SeatId: 1}, apiclient.Bearer(tok))
	if err != nil || hold.JSON200 == nil {
		t.Fatalf("hold: %v %s", err, hold.Body)
	}
	if c, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: 100_000}, apiclient.Bearer(tok)); err != nil || c.JSON200 == nil {
		t.Fatalf("charge: %v %s", err, c.Body)
	}
	stop()
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("dev kept no Temporal state at %s: %v", state, err)
	}

	startDev()
	paid, err := api.PayWithResponse(ctx, nil, apiclient.PayJSONRequestBody{TicketId: hold.JSON200.TicketId, SeatId: 1, Date: show}, apiclient.Bearer(tok))
	if err != nil || paid.JSON200 == nil || paid.JSON200.Receipt.Amount != hold.JSON200.Price {
		t.Fatalf("paying the hold after a restart of dev: %v %d %s", err, paid.StatusCode(), paid.Body)
	}
}

// startDevProcess starts `boxoffice dev` in env and waits until base answers; stop (also run at
// cleanup) ends it with SIGTERM and fails the test if it does not exit cleanly.
func startDevProcess(t *testing.T, bin string, env []string, base string) (stop func()) {
	t.Helper()
	cmd := exec.Command(bin, "dev")
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := process.AwaitReady(ctx, base); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("%v\n%s", err, logs.String())
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("boxoffice dev did not stop cleanly: %v\n%s", err, logs.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("boxoffice dev still running 30 s after SIGTERM\n%s", logs.String())
		}
	}
	t.Cleanup(stop)
	return stop
}

// memoryDev starts a `boxoffice dev` on the memory store and a dev server of its own, on a free
// port, with settings added to the test defaults; it returns the base URL. It stops at cleanup.
func memoryDev(t *testing.T, settings ...string) string {
	t.Helper()
	bin, base, env := devSetup(t, settings...)
	startDevProcess(t, bin, env, base)
	return base
}

// devSetup builds boxoffice and picks a free port for a `boxoffice dev`: its binary, base URL
// and environment, the tests' defaults with settings added.
func devSetup(t *testing.T, settings ...string) (bin, base string, env []string) {
	t.Helper()
	cli := requirePrerequisites(t)
	bin = buildBoxoffice(t)
	port, err := freeport.Port()
	if err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(),
		"TEMPORAL_CLI="+cli,
		fmt.Sprintf("BOXOFFICE_ADDR=127.0.0.1:%d", port),
		"BOXOFFICE_METRICS_ADDR=127.0.0.1:0", // not dev's 9464, which a `make run` may hold
		"BOXOFFICE_ADMIT_TICK=200ms",
		"BOXOFFICE_LOG_LEVEL=warn",
	)
	return bin, fmt.Sprintf("http://127.0.0.1:%d", port), append(env, settings...)
}
