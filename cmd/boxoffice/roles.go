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

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/boxoffice/boxoffice/adapters/cache"
	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/adapters/telemetry"
	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/adapters/webhooks"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/workflows"
)

type role int

const (
	roleAPI role = 1 << iota
	roleWorker
)

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
	obs, _, stopObservability, err := startObservability(ctx, c, name, log)
	if err != nil {
		return err
	}
	defer stopObservability()
	pool, storeOpts, n, err := openDatabase(ctx, c, obs.database()...)
	if err != nil {
		return err
	}
	defer pool.Close()
	if n > 0 {
		log.Info("applied database migrations", "count", n)
	}
	if obs.metrics != nil {
		if err := obs.metrics.ObservePool(pool); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	watched, err := obs.temporalObserved(log)
	if err != nil {
		return err
	}
	tc, err := temporal.Dial(ctx, c.TemporalAddress, c.TemporalNamespace, quiet(log), watched)
	if err != nil {
		return err
	}
	defer tc.Close()
	store := postgres.NewStore(pool, storeOpts...)
	defer closeStore(store, log)
	ready := map[string]func(context.Context) error{
		"database": store.Ping,
		"temporal": func(ctx context.Context) error { return temporal.Ping(ctx, tc) },
	}
	holds := temporal.NewLifecycle(tc, log)
	defer closeHolds(holds, log)
	a, err := newApp(c, store.Stores(), tc, holds, obs)
	if err != nil {
		return err
	}
	if roles&roleAPI != 0 && c.Identity == "open" {
		log.Warn("BOXOFFICE_IDENTITY=open: a fan is whatever user_id they send, so anyone who knows a user id can act as that fan; " +
			"set BOXOFFICE_IDENTITY=jwt with the ticketing platform's JWKS, issuer and audience")
	}
	return runApp(ctx, c, log, a, tc, obs, roles, ready, func(addr string) {
		log.Info("boxoffice "+name+" ready", "api", "http://"+addr+"/api", "docs", "http://"+addr+"/docs")
	})
}

// closeStore stops a store's background work once the roles have stopped using it, writing
// what it still holds (the fans' last-seen times).
func closeStore(store *postgres.Store, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := store.Close(ctx); err != nil {
		log.Warn("close the store", "err", err)
	}
}

// closeHolds starts the holds' workflows still queued, once the API has drained.
func closeHolds(holds *temporal.Lifecycle, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := holds.Close(ctx); err != nil {
		log.Warn("stop starting holds' workflows", "err", err)
	}
}

// newApp composes the application over the stores and Temporal: holds run as workflows (holds
// is their lifecycle) and admission is the admission workflow; with metrics on, its queues and
// booking path are measured.
func newApp(c config, st app.Stores, tc client.Client, holds *temporal.Lifecycle, obs observability) (*app.App, error) {
	m := obs.metrics
	a, err := app.New(app.Ports{
		Stores:    st,
		Loop:      temporal.NewAdmission(tc),
		Lifecycle: func(*booking.Settler) booking.Lifecycle { return holds },
		Cancellations: func(*booking.Refunder) booking.Cancellations {
			return temporal.NewCancellations(tc, c.CancellationBatch)
		},
		Webhooks: app.WebhookPorts{
			Couriers: temporal.NewCouriers(tc), Sender: webhooks.NewSender(c.webhookDestinations()), Destinations: c.webhookDestinations(),
			Observer: webhookObserver(m),
		},
		Entry:    app.EntryPorts{ChallengeKey: c.challengeKey(), Observer: entryObserver(m)},
		Clock:    core.SystemClock{},
		Observer: bookingObserver(m),
		Copies:   cache.New(core.SystemClock{}, c.policy().Catalog.SeatsStaleness),
	}, c.policy())
	if err != nil || m == nil {
		return a, err
	}
	if err := m.ObserveQueues(a.Queue.Entrance.CachedCounters); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := m.ObserveBacklogs(telemetry.Backlogs{OldestPending: a.Webhook.Admin.OldestPending, Waitlists: a.Waitlist.Counts}); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return a, nil
}

// runApp runs the roles of a over the Temporal client until ctx ends, then drains in-flight
// requests and stops the worker.
func runApp(ctx context.Context, c config, log *slog.Logger, a *app.App, tc client.Client, obs observability, roles role,
	ready map[string]func(context.Context) error, started func(addr string)) error {
	if err := declareSales(ctx, obs.metrics, a); err != nil {
		return err
	}
	if roles&roleWorker != 0 {
		stop, err := startWorker(ctx, c, log, a, tc)
		if err != nil && ctx.Err() != nil {
			log.Info("stopped while starting the worker", "cause", err)
			return nil // told to stop (SIGTERM) before the worker was up
		}
		if err != nil {
			return err
		}
		defer stop()
	}
	if c.DebugAddr != "" {
		stop, err := serveProfiler(c.DebugAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	if roles&roleAPI == 0 {
		<-ctx.Done()
		log.Info("stopping worker")
		return nil
	}
	return serveAPI(ctx, c, log, a, obs, ready, started)
}

// writeTimeout bounds an answer's writing. The calls that wait on Temporal (a payment's update,
// a hold's start) end at temporal.CallTimeout, well before it, so a fan waiting on a stalled
// cluster gets a 503 with Retry-After rather than a dropped connection.
const writeTimeout = 30 * time.Second

// serveAPI serves the HTTP API on c.Addr until ctx ends, then drains the requests in flight.
func serveAPI(ctx context.Context, c config, log *slog.Logger, a *app.App, obs observability, ready map[string]func(context.Context) error, started func(addr string)) error {
	stopping := make(chan struct{})
	handler, oapi, err := apiHandler(ctx, c, log, a, ready, stopping)
	if err != nil {
		return err
	}
	declareOperations(obs.metrics, oapi)
	handler = obs.http(handler)
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (BOXOFFICE_ADDR): %w", c.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { close(stopping) }) // event streams end, so draining can finish
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(httpapi.ProblemListener(ln)) }()
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
	return nil
}

// apiHandler builds the HTTP edge over a's use cases, and its OpenAPI document; closing stopping
// ends its event streams.
func apiHandler(ctx context.Context, c config, log *slog.Logger, a *app.App, ready map[string]func(context.Context) error,
	stopping <-chan struct{}) (http.Handler, *huma.OpenAPI, error) {
	seed, err := c.tokenSeed()
	if err != nil {
		return nil, nil, err
	}
	signer, err := signing.NewTokenSigner(seed)
	if err != nil {
		return nil, nil, err
	}
	limits, err := httpapi.ParseRateLimits(c.RateLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("BOXOFFICE_RATE_LIMIT: %w", err)
	}
	identity, err := c.identity(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	ticketSeed, err := c.ticketSeed()
	if err != nil {
		return nil, nil, err
	}
	tickets, err := signing.NewTicketSigner(ticketSeed)
	if err != nil {
		return nil, nil, fmt.Errorf("BOXOFFICE_TICKET_KEY: %w", err)
	}
	proxies, err := httpapi.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("BOXOFFICE_TRUSTED_PROXIES: %w", err)
	}
	handler, api := httpapi.New(httpapi.Deps{
		Tokens: signer, Tickets: tickets, Identity: identity, Logger: log, Ready: ready, Limits: limits, TrustedProxies: proxies,
		AdminKey: c.AdminKey, Stopping: stopping,
	}.Driving(a))
	return handler, api.OpenAPI(), nil
}

// startWorker runs the workflows and activities on a Temporal worker, starts the long-running
// ones (each sale's admission and the sweep of overdue holds) unless they run already.
func startWorker(ctx context.Context, c config, log *slog.Logger, a *app.App, tc client.Client) (stop func(), err error) {
	if err := temporal.EnsureSearchAttributes(ctx, tc, c.TemporalNamespace); err != nil {
		return nil, err
	}
	w := worker.New(tc, workflows.TaskQueue, workflows.WorkerOptions(c.WorkerPollers))
	workflows.Register(w, workflows.Steps{Settler: a.Booking.Settler, Admitter: a.Queue.Admitter, Refunder: a.Booking.Refunder, Sweeper: a.Booking.Sweeper,
		Courier: a.Webhook.Courier})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start Temporal worker: %w", err)
	}
	if err := temporal.RetireLegacyAdmission(ctx, tc); err != nil {
		w.Stop()
		return nil, fmt.Errorf("retire the admission workflow of the single queue: %w", err)
	}
	if err := repairMistyped(ctx, c, log, tc); err != nil {
		w.Stop()
		return nil, err
	}
	if err := a.ResumeAdmission(ctx); err != nil {
		w.Stop()
		return nil, fmt.Errorf("start the sales' admission: %w", err)
	}
	if err := temporal.StartSweep(ctx, tc, c.SweepEvery); err != nil {
		w.Stop()
		return nil, fmt.Errorf("start the sweep of overdue holds: %w", err)
	}
	if err := a.Webhook.Admin.Resume(ctx); err != nil {
		w.Stop()
		return nil, fmt.Errorf("start the webhook endpoints' deliveries: %w", err)
	}
	log.Info("worker running", "task_queue", workflows.TaskQueue, "pollers", max(c.WorkerPollers, 2))
	return w.Stop, nil
}

// repairMistyped ends the long-running workflows found running as another type than their id
// says (waiting rooms and cancellations that an earlier release continued as the sweep) and
// restarts the cancellations among them; the sales' admission restarts with ResumeAdmission,
// from the database's state.
func repairMistyped(ctx context.Context, c config, log *slog.Logger, tc client.Client) error {
	found, err := temporal.TerminateMistyped(ctx, tc, c.TemporalNamespace)
	if err != nil {
		return fmt.Errorf("repair the workflows running as another type: %w", err)
	}
	for _, m := range found {
		log.Warn("a workflow ran as another type than its id's; restarting it as itself", "workflow_id", m.WorkflowID, "ran_as", m.RunningAs, "restarted_as", m.Want)
		if sale, d, ok := temporal.CancellationOf(m.WorkflowID); ok {
			if err := temporal.NewCancellations(tc, c.CancellationBatch).Start(ctx, sale, d); err != nil {
				return fmt.Errorf("restart the cancellation %s: %w", m.WorkflowID, err)
			}
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

// serveProfiler serves net/http/pprof on its own listener, apart from the API, until stop.
func serveProfiler(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (BOXOFFICE_DEBUG_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	log.Info("profiler listening", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() {
		_ = srv.Close()
		<-done
	}, nil
}

// openDatabase connects to PostgreSQL and applies pending migrations; it returns the pool, the
// options that have a store listen where it can hear (DATABASE_DIRECT_URL when set) and the
// number of migrations applied.
func openDatabase(ctx context.Context, c config, opts ...postgres.Option) (*pgxpool.Pool, []postgres.StoreOption, int, error) {
	pool, err := connectDatabase(ctx, c, opts...)
	if err != nil {
		return nil, nil, 0, err
	}
	n, storeOpts, err := migrateDirect(ctx, c, pool)
	if err != nil {
		pool.Close()
		return nil, nil, 0, err
	}
	return pool, storeOpts, n, nil
}

// connectDatabase opens the pool of DATABASE_URL, naming the setting when it is wrong: every
// command that reads it connects here.
func connectDatabase(ctx context.Context, c config, opts ...postgres.Option) (*pgxpool.Pool, error) {
	pool, err := postgres.Connect(ctx, c.DatabaseURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return pool, nil
}

// migrateDirect applies pending migrations on DATABASE_DIRECT_URL when it is set (through a
// pooler in transaction mode a session lock is taken on one server connection and released on
// another), else on pool, and returns the store options to listen there too.
func migrateDirect(ctx context.Context, c config, pool *pgxpool.Pool) (int, []postgres.StoreOption, error) {
	if c.DatabaseDirectURL == "" {
		n, err := postgres.Migrate(ctx, pool)
		return n, nil, err
	}
	direct, err := postgres.Connect(ctx, c.DatabaseDirectURL)
	if err != nil {
		return 0, nil, fmt.Errorf("DATABASE_DIRECT_URL: %w", err)
	}
	defer direct.Close()
	n, err := postgres.Migrate(ctx, direct)
	return n, []postgres.StoreOption{postgres.ListenOn(direct.Config().ConnConfig.Copy())}, err
}

// listenDirect is the store option to listen on DATABASE_DIRECT_URL, when it is set.
func listenDirect(c config) ([]postgres.StoreOption, error) {
	if c.DatabaseDirectURL == "" {
		return nil, nil
	}
	cfg, err := pgx.ParseConfig(c.DatabaseDirectURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_DIRECT_URL: %w", err)
	}
	return []postgres.StoreOption{postgres.ListenOn(cfg)}, nil
}
