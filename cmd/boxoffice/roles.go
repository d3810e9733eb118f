package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/workflows"
)

type role int

const (
	roleAPI role = 1 << iota
	roleWorker
)

// stores are the four store ports, usually one adapter value.
type stores interface {
	core.TokenStore
	core.Catalog
	core.ReservationStore
	core.WalletStore
}

// runRoles runs production roles against PostgreSQL and a Temporal cluster.
func runRoles(ctx context.Context, name string, args []string, roles role) error {
	c, err := parseFlags(name, args, nil)
	if err != nil {
		return err
	}
	log, err := newLogger(c.LogLevel)
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" || c.TemporalAddress == "" {
		return fmt.Errorf("`boxoffice %s` needs DATABASE_URL and TEMPORAL_ADDRESS; `boxoffice dev` runs without them", name)
	}
	pool, n, err := openDatabase(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if n > 0 {
		log.Info("applied database migrations", "count", n)
	}
	tc, err := temporal.Dial(ctx, c.TemporalAddress, c.TemporalNamespace, quiet(log))
	if err != nil {
		return err
	}
	defer tc.Close()
	store := postgres.NewStore(pool)
	ready := map[string]func(context.Context) error{
		"database": store.Ping,
		"temporal": func(ctx context.Context) error { return temporal.Ping(ctx, tc) },
	}
	return runApp(ctx, c, log, store, tc, roles, ready, func(addr string) {
		log.Info("boxoffice "+name+" ready", "api", "http://"+addr+"/api", "docs", "http://"+addr+"/docs")
	})
}

// runApp wires the application over the stores and Temporal client and runs the roles until
// ctx ends, then drains in-flight requests and stops the worker.
func runApp(ctx context.Context, c config, log *slog.Logger, st stores, tc client.Client, roles role,
	ready map[string]func(context.Context) error, started func(addr string)) error {
	app, err := core.New(core.Ports{
		Tokens: st, Catalog: st, Reservations: st, Wallets: st, Locks: memory.NewLocks(),
		Lifecycle: temporal.NewLifecycle(tc), Admission: temporal.NewAdmission(tc), Clock: core.SystemClock{},
	}, c.policy())
	if err != nil {
		return err
	}

	if roles&roleWorker != 0 {
		if err := temporal.EnsureSearchAttributes(ctx, tc, c.TemporalNamespace); err != nil {
			return err
		}
		w := worker.New(tc, workflows.TaskQueue, worker.Options{})
		workflows.Register(w, app)
		if err := w.Start(); err != nil {
			return fmt.Errorf("start Temporal worker: %w", err)
		}
		defer w.Stop()
		if err := temporal.NewAdmission(tc).Start(ctx, c.policy().Admission); err != nil {
			return fmt.Errorf("start queue admission: %w", err)
		}
		log.Info("worker running", "task_queue", workflows.TaskQueue, "admit_rate", c.AdmitRate, "max_active", c.MaxActive)
	}

	if c.DebugAddr != "" {
		if err := serveProfiler(c.DebugAddr, log); err != nil {
			return err
		}
	}

	if roles&roleAPI == 0 {
		<-ctx.Done()
		log.Info("stopping worker")
		return nil
	}
	seed, err := c.tokenSeed()
	if err != nil {
		return err
	}
	signer, err := httpapi.NewTokenSigner(seed)
	if err != nil {
		return err
	}
	limits, err := httpapi.ParseRateLimits(c.RateLimit)
	if err != nil {
		return fmt.Errorf("BOXOFFICE_RATE_LIMIT: %w", err)
	}
	stopping := make(chan struct{})
	handler, _ := httpapi.New(httpapi.Deps{App: app, Tokens: signer, Logger: log, Ready: ready, Limits: limits,
		AdminKey: c.AdminKey, Stopping: stopping})
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (BOXOFFICE_ADDR): %w", c.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // a payment waits for its workflow update
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { close(stopping) }) // event streams end, so draining can finish
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	started(ln.Addr().String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("HTTP server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("drain HTTP server: %w", err)
	}
	// Last-seen times are written coalesced; write the pending ones rather than lose them.
	if f, ok := st.(interface{ FlushSeen(context.Context) error }); ok {
		if err := f.FlushSeen(shutdownCtx); err != nil {
			log.Warn("write fans' last-seen times at shutdown", "err", err)
		}
	}
	return nil
}

// quiet gives the Temporal SDK a logger that only speaks up for warnings.
func quiet(log *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(attrs), h.min}
}

func (h levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(name), h.min}
}

// serveProfiler serves net/http/pprof on its own listener, apart from the API.
func serveProfiler(addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (BOXOFFICE_DEBUG_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() { _ = http.Serve(ln, mux) }()
	log.Info("profiler listening", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return nil
}

// openDatabase connects to PostgreSQL and applies pending migrations; it returns the pool and
// how many migrations it applied.
func openDatabase(ctx context.Context, url string) (*pgxpool.Pool, int, error) {
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		return nil, 0, err
	}
	n, err := postgres.Migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, 0, err
	}
	return pool, n, nil
}
