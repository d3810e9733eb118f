package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// runDev runs API and worker in one process on embedded defaults: the memory store unless
// DATABASE_URL is set, a local Temporal dev server unless TEMPORAL_ADDRESS is set (keeping its
// state in a file when DATABASE_URL is set, so holds survive a restart as their seats do), a
// generated token and ticket keys unless BOXOFFICE_TOKEN_KEY and BOXOFFICE_TICKET_KEY are set, and the demo sale.
func runDev(ctx context.Context, args []string) error {
	began := time.Now()
	c, err := parseFlags("dev", args, nil)
	if err != nil {
		return err
	}
	logger, err := newLogger(c.LogLevel)
	if err != nil {
		return err
	}
	c.TokenKey = orGenerated(c.TokenKey, 32, base64.StdEncoding)
	c.TicketKey = orGenerated(c.TicketKey, 32, base64.StdEncoding)
	c.AdminKey = orGenerated(c.AdminKey, 18, base64.RawURLEncoding)
	if c.MetricsAddr == "" {
		c.MetricsAddr = devMetricsAddr
	}
	d := &devParts{ready: map[string]func(context.Context) error{}}
	defer d.stop()
	obs, metricsURL, stopObservability, err := startObservability(ctx, c, "dev", logger)
	if err != nil {
		return err
	}
	d.stops = append(d.stops, stopObservability)
	d.obs, d.metricsURL = obs, metricsURL
	if err := d.openStore(ctx, c, logger); err != nil {
		return err
	}
	if err := d.connectTemporal(ctx, c, logger); err != nil {
		return err
	}
	d.ready["temporal"] = func(ctx context.Context) error { return temporal.Ping(ctx, d.tc) }
	holds := temporal.NewLifecycle(d.tc, logger)
	d.stops = append(d.stops, func() { closeHolds(holds, logger) })
	a, err := newApp(c, d.stores, d.tc, holds, d.obs)
	if err != nil {
		return err
	}
	demo, err := loadDemo(ctx, a.Catalog.Admin, core.DateOf(time.Now()), catalog.DefaultSeatsPerPerformance)
	if err != nil {
		return err
	}
	return runApp(ctx, c, logger, a, d.tc, d.obs, roleAPI|roleWorker, d.ready, func(addr string) {
		fmt.Fprint(os.Stderr, devBanner(time.Since(began), addr, c, d, demo))
	})
}

// orGenerated is value, or a random key of n bytes in enc when value is empty.
func orGenerated(value string, n int, enc *base64.Encoding) string {
	if value != "" {
		return value
	}
	key := make([]byte, n)
	_, _ = rand.Read(key)
	return enc.EncodeToString(key)
}

// devParts are what dev runs on, and what stops them.
type devParts struct {
	stores     app.Stores
	tc         client.Client
	ready      map[string]func(context.Context) error
	storeName  string
	temporalUI string
	obs        observability
	metricsURL string
	stops      []func() // run last first
}

func (d *devParts) stop() {
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
}

// openStore opens PostgreSQL when DATABASE_URL is set, else the memory store.
func (d *devParts) openStore(ctx context.Context, c config, logger *slog.Logger) error {
	if c.DatabaseURL == "" {
		d.stores, d.storeName = memory.NewStore().Stores(), "memory (set DATABASE_URL for PostgreSQL)"
		return nil
	}
	pool, storeOpts, _, err := openDatabase(ctx, c, d.obs.database()...)
	if err != nil {
		return err
	}
	pg := postgres.NewStore(pool, storeOpts...)
	d.stops = append(d.stops, pool.Close, func() { closeStore(pg, logger) })
	if d.obs.metrics != nil {
		if err := d.obs.metrics.ObservePool(pool); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	d.stores, d.ready["database"], d.storeName = pg.Stores(), pg.Ping, "PostgreSQL"
	return nil
}

// connectTemporal starts a local dev server unless TEMPORAL_ADDRESS names one; with
// PostgreSQL, the dev server keeps its state in a file as the database keeps its rows.
func (d *devParts) connectTemporal(ctx context.Context, c config, logger *slog.Logger) error {
	if c.TemporalAddress != "" {
		watched, err := d.obs.temporalObserved(logger)
		if err != nil {
			return err
		}
		tc, err := temporal.Dial(ctx, c.TemporalAddress, c.TemporalNamespace, quiet(logger), watched)
		if err != nil {
			return err
		}
		d.tc, d.temporalUI = tc, "(external: "+c.TemporalAddress+")"
		d.stops = append(d.stops, tc.Close)
		return nil
	}
	state := "" // in memory, like the store
	if c.DatabaseURL != "" {
		var err error
		if state, err = temporalStateFile(c); err != nil {
			return err
		}
		d.storeName += ", Temporal state in " + state
	}
	watched, err := d.obs.temporalObserved(logger)
	if err != nil {
		return err
	}
	server, ui, err := startDevServer(ctx, c, state, logger, watched)
	if err != nil {
		return err
	}
	d.stops = append(d.stops, func() {
		logger.Info("stopping Temporal dev server")
		_ = server.Stop()
	})
	d.tc, d.temporalUI = server.Client(), ui
	return nil
}

// devBanner is what dev prints once it is up: where to look.
func devBanner(took time.Duration, addr string, c config, d *devParts, demo catalog.SaleReport) string {
	return fmt.Sprintf(`
boxoffice dev is up in %s
  fan page     http://%[2]s/
  API          http://%[2]s/api   (walk-through in README.md)
  API docs     http://%[2]s/docs
  OpenAPI      http://%[2]s/openapi.yaml
  health       http://%[2]s/healthz  http://%[2]s/readyz
  metrics      %[9]s
  sales        http://%[2]s/api/sales
  admin        http://%[2]s/api/admin/sales   X-Admin-Key: %[8]s
  Temporal UI  %[3]s
  store        %[4]s
  demo sale    %[5]s
               hold %[6]s, admit %[7]d/s
Ctrl-C stops everything.

`, took.Round(time.Millisecond), addr, d.temporalUI, d.storeName, describeDemo(demo), c.HoldTTL, c.AdmitRate, c.AdminKey,
		d.metricsURL)
}

// temporalStateFile is where dev's Temporal dev server keeps its state for c's database:
// BOXOFFICE_TEMPORAL_STATE, else a file named for the database under the user's state folder,
// so each database keeps the workflows of its own holds.
func temporalStateFile(c config) (string, error) {
	if c.TemporalState != "" {
		return c.TemporalState, os.MkdirAll(filepath.Dir(c.TemporalState), 0o755)
	}
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find a folder for the Temporal state (set BOXOFFICE_TEMPORAL_STATE): %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "boxoffice")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s for the Temporal state (or set BOXOFFICE_TEMPORAL_STATE): %w", dir, err)
	}
	sum := sha256.Sum256([]byte(c.DatabaseURL))
	return filepath.Join(dir, "temporal-"+hex.EncodeToString(sum[:6])+".db"), nil
}

// startDevServer starts the Temporal CLI's dev server with its UI on free loopback ports,
// keeping its state in stateFile if one is given.
func startDevServer(ctx context.Context, c config, stateFile string, logger *slog.Logger, watched temporal.Observed) (*testsuite.DevServer, string, error) {
	cli, err := findTemporalCLI(c.TemporalCLI)
	if err != nil {
		return nil, "", err
	}
	uiPort, err := freeport.Port()
	if err != nil {
		return nil, "", err
	}
	logger.Info("starting Temporal dev server", "cli", cli)
	server, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli,
		ClientOptions: &client.Options{Namespace: c.TemporalNamespace, Logger: log.NewStructuredLogger(quiet(logger)),
			MetricsHandler: watched.Metrics, Interceptors: watched.Interceptors},
		EnableUI:         true,
		UIPort:           strconv.Itoa(uiPort),
		LogLevel:         "error",
		DBFilename:       stateFile,
		SearchAttributes: reservation.SearchAttributes(),
		Stdout:           io.Discard,
		Stderr:           os.Stderr,
	})
	if err != nil {
		return nil, "", fmt.Errorf("start Temporal dev server with %s: %w", cli, err)
	}
	return server, fmt.Sprintf("http://127.0.0.1:%d", uiPort), nil
}

// findTemporalCLI looks in TEMPORAL_CLI, then PATH, then $GOBIN or $GOPATH/bin, where
// `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` puts it.
func findTemporalCLI(configured string) (string, error) {
	if configured != "" {
		if _, err := os.Stat(configured); err != nil {
			return "", fmt.Errorf("TEMPORAL_CLI=%s: %w", configured, err)
		}
		return configured, nil
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	var candidates []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		candidates = append(candidates, filepath.Join(gobin, "temporal"))
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	candidates = append(candidates, filepath.Join(gopath, "bin", "temporal"))
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("the Temporal CLI was not found: install it with " +
		"`go install github.com/temporalio/cli/cmd/temporal@v1.5.1` (make run does), set TEMPORAL_CLI to its path, " +
		"or set TEMPORAL_ADDRESS to use a running Temporal")
}
