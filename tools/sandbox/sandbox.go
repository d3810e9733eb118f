// Package sandbox starts a whole boxoffice on loopback for load tools and crash tests: a
// Temporal dev server, a fresh PostgreSQL database, a worker and N API instances, each a real
// process of the boxoffice binary. It stops everything it started.
package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	openapitypes "github.com/oapi-codegen/runtime/types"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/haproxy"
	"github.com/boxoffice/boxoffice/testbed/pgbouncer"
	"github.com/boxoffice/boxoffice/testbed/process"
	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

// Options say what to start.
type Options struct {
	Instances   int    // API instances, 1 to 8
	Binary      string // the boxoffice binary
	AdminURL    string // PostgreSQL URL where the sandbox creates (and drops) its database
	TemporalCLI string
	HoldTTL     time.Duration
	SessionTTL  time.Duration
	AdmitRate   int
	MaxActive   int
	Seats       int // seats per date of each sale (3 dates)
	// Sales is how many sales are on at once: the demo sale, and the others put on through the
	// admin API once the roles run; 0 is 1.
	Sales int
	Keep  bool // keep the database afterwards
	// TemporalDB, if set, makes the dev server keep its state in this file, so it can restart.
	TemporalDB string
	// Env adds settings (NAME=value) to every role, after the sandbox's own (so they win).
	Env []string
	// TemporalArgs are extra arguments of the dev server (its dynamic settings, say).
	TemporalArgs []string
	// TemporalMetrics serves the dev server's own metrics, at System.TemporalMetricsURL.
	TemporalMetrics bool
	// Workers is how many workers run (1 when 0).
	Workers int
	// Cluster starts the production shape instead: a Temporal server built from source
	// (TemporalServer, its directory) on PostgreSQL instead of the dev server, the APIs behind
	// HAProxy (Targets is the proxy alone) and PostgreSQL behind PgBouncer in transaction mode
	// (DATABASE_DIRECT_URL straight to it).
	Cluster        bool
	TemporalServer string
	// TemporalUI, with Cluster, starts the Temporal UI pointed at the server (Server.UI).
	TemporalUI bool
}

// System is a spawned boxoffice: a Temporal dev server, a fresh database, a worker and N APIs.
type System struct {
	// Targets are the APIs' base URLs.
	Targets []string
	// Sales are the sales on, the demo sale first; each has SeatsPerSale seats.
	Sales        []string
	SeatsPerSale int
	SeatsOnSale  int
	// AdminKey is the roles' BOXOFFICE_ADMIN_KEY.
	AdminKey string
	DBURL    string
	binary   string
	env      []string
	procs    []*proc
	temporal *testsuite.DevServer
	// TemporalMetricsURL is the dev server's Prometheus endpoint, when Options.TemporalMetrics.
	TemporalMetricsURL string
	temporalOpts       testsuite.DevServerOptions
	dropDB             func()
	workers            int

	// In the production shape (Options.Cluster): the Temporal server, the bouncer and the
	// proxy; Instances are the APIs' own base URLs behind the proxy.
	Server    *temporalserver.Server
	Bouncer   *pgbouncer.Bouncer
	Proxy     *haproxy.Proxy
	Instances []string
	adminURL  string
}

// proc is one spawned boxoffice role.
type proc struct {
	role, addr string
	cmd        *exec.Cmd
	logs       *bytes.Buffer
	exited     chan error
}

// Spawn starts a system; on error it stops what it started.
func Spawn(ctx context.Context, o Options) (sys *System, err error) {
	if o.Instances < 1 || o.Instances > 8 {
		return nil, errors.New("-spawn must be 1 to 8 instances")
	}
	if _, err := os.Stat(o.Binary); err != nil {
		return nil, fmt.Errorf("boxoffice binary %s: %w (run make build)", o.Binary, err)
	}
	if o.Sales == 0 {
		o.Sales = 1
	}
	if o.Sales < 1 || o.Sales > 20 {
		return nil, errors.New("-sales must be 1 to 20")
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	if o.Workers < 1 || o.Workers > 8 {
		return nil, errors.New("-workers must be 1 to 8")
	}
	sys = &System{binary: o.Binary, SeatsPerSale: 3 * o.Seats, SeatsOnSale: o.Sales * 3 * o.Seats, AdminKey: randomKey(18),
		workers: o.Workers, adminURL: o.AdminURL}
	defer func() {
		if err != nil {
			sys.Stop()
		}
	}()
	if sys.DBURL, sys.dropDB, err = CreateDatabase(ctx, o.AdminURL, o.Keep); err != nil {
		return sys, err
	}
	databaseEnv := []string{"DATABASE_URL=" + sys.DBURL}
	if o.Cluster {
		if databaseEnv, err = sys.startCluster(ctx, o); err != nil {
			return sys, err
		}
	} else if err := sys.startTemporal(ctx, o); err != nil {
		return sys, err
	}
	sys.env = append(os.Environ(), databaseEnv...)
	sys.env = append(sys.env,
		"TEMPORAL_ADDRESS="+sys.TemporalAddress(),
		"BOXOFFICE_TOKEN_KEY="+base64.StdEncoding.EncodeToString(randomBytes(32)),
		"BOXOFFICE_TICKET_KEY="+base64.StdEncoding.EncodeToString(randomBytes(32)),
		"BOXOFFICE_ADMIN_KEY="+sys.AdminKey,
		"BOXOFFICE_HOLD_TTL="+o.HoldTTL.String(),
		"BOXOFFICE_SESSION_TTL="+o.SessionTTL.String(),
		"BOXOFFICE_ADMIT_RATE="+strconv.Itoa(o.AdmitRate),
		"BOXOFFICE_MAX_ACTIVE="+strconv.Itoa(o.MaxActive),
		"BOXOFFICE_ADMIT_TICK=250ms",
		"BOXOFFICE_LOG_LEVEL=warn",
		"BOXOFFICE_RATE_LIMIT=off", // every simulated fan comes from 127.0.0.1
	)
	sys.env = append(sys.env, o.Env...)
	if out, err := sys.Command(ctx, "migrate", "--demo", "--demo-seats", strconv.Itoa(o.Seats)).CombinedOutput(); err != nil {
		return sys, fmt.Errorf("boxoffice migrate: %w\n%s", err, out)
	}
	sys.Sales = []string{DemoSale}
	if err := sys.startRoles(ctx, o.Instances); err != nil {
		return sys, err
	}
	if o.Cluster {
		if sys.Proxy, err = haproxy.Start(ctx, hostPorts(sys.Instances)); err != nil {
			return sys, err
		}
		sys.Targets = []string{"http://" + sys.Proxy.Addr}
		if err := process.AwaitReady(ctx, sys.Targets[0]); err != nil {
			return sys, err
		}
	}
	for i := 2; i <= o.Sales; i++ {
		id := fmt.Sprintf("sale-%d", i)
		if err := sys.PutSaleOn(ctx, id, o.Seats); err != nil {
			return sys, err
		}
		sys.Sales = append(sys.Sales, id)
	}
	return sys, nil
}

// DemoSale is the id of the sale `boxoffice migrate --demo` puts on.
const DemoSale = "boxoffice-live"

// PutSaleOn puts a sale on through the admin API, as an operator would: three dates 30, 37 and
// 44 days from today, with seats in two sections (Front at 60,000 won, Back at 40,000).
func (s *System) PutSaleOn(ctx context.Context, id string, seats int) error {
	api, err := apiclient.NewClientWithResponses(s.Targets[0])
	if err != nil {
		return err
	}
	front := int64(max(1, seats/2))
	sections := []apiclient.SectionBody{{Name: "Front", FirstSeat: 1, LastSeat: front, Price: 60_000}}
	if int64(seats) > front {
		sections = append(sections, apiclient.SectionBody{Name: "Back", FirstSeat: front + 1, LastSeat: int64(seats), Price: 40_000})
	}
	spec := apiclient.CreateSaleJSONRequestBody{SaleId: id, Title: "Rush sale " + id, Venue: "Loopback Hall"}
	today := time.Now().UTC()
	for _, days := range []int{30, 37, 44} {
		spec.Performances = append(spec.Performances, apiclient.PerformanceSpecBody{Date: openapitypes.Date{Time: today.AddDate(0, 0, days)}, Sections: sections})
	}
	res, err := api.CreateSaleWithResponse(ctx, spec, apiclient.AdminKey(s.AdminKey))
	if err != nil {
		return fmt.Errorf("put sale %s on: %w", id, err)
	}
	if res.JSON201 == nil {
		return fmt.Errorf("put sale %s on: %d %s", id, res.StatusCode(), res.Body)
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomKey(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// startTemporal starts the dev server, on a file and a fixed address when o.TemporalDB is set
// so it can restart.
func (s *System) startTemporal(ctx context.Context, o Options) error {
	// The dev server logs every store timeout under overload; keep that out of the report.
	temporalLog, err := os.CreateTemp("", "sandbox-temporal-*.log")
	if err != nil {
		return err
	}
	defer temporalLog.Close()
	s.temporalOpts = testsuite.DevServerOptions{
		ExistingPath: o.TemporalCLI, LogLevel: "error", Stdout: temporalLog, Stderr: temporalLog, DBFilename: o.TemporalDB,
		ExtraArgs: o.TemporalArgs,
	}
	if o.TemporalMetrics {
		port, err := freeport.Port()
		if err != nil {
			return err
		}
		s.temporalOpts.ExtraArgs = append(slices.Clone(o.TemporalArgs), "--metrics-port", strconv.Itoa(port))
		s.TemporalMetricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	}
	if o.TemporalDB != "" {
		// A restart must come back on the same address: the roles' clients reconnect to it.
		port, err := freeport.Port()
		if err != nil {
			return err
		}
		s.temporalOpts.ClientOptions = &client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", port)}
	}
	if s.temporal, err = testsuite.StartDevServer(ctx, s.temporalOpts); err != nil {
		return fmt.Errorf("start Temporal dev server with %s (log %s): %w", o.TemporalCLI, temporalLog.Name(), err)
	}
	fmt.Fprintf(os.Stderr, "sandbox: Temporal dev server at %s, log in %s\n", s.temporal.FrontendHostPort(), temporalLog.Name())
	return nil
}

// startCluster starts the Temporal server on the system's PostgreSQL and a bouncer in front of
// it, and returns the roles' database settings: queries through the bouncer, sessions direct.
func (s *System) startCluster(ctx context.Context, o Options) ([]string, error) {
	u, err := url.Parse(s.DBURL)
	if err != nil {
		return nil, err
	}
	s.Server, err = temporalserver.Start(ctx, temporalserver.Options{
		Dir: o.TemporalServer, AdminURL: o.AdminURL, Prefix: s.DatabaseName(), Namespace: "default",
		SearchAttributes: temporal.SearchAttributeTypes(), UI: o.TemporalUI,
	})
	if err != nil {
		return nil, fmt.Errorf("start the Temporal server: %w", err)
	}
	fmt.Fprintf(os.Stderr, "sandbox: Temporal server at %s (frontend, history, matching, worker), logs in %s\n", s.Server.Frontend, s.Server.Work)
	password, _ := u.User.Password()
	if s.Bouncer, err = pgbouncer.Start(ctx, pgbouncer.Options{Upstream: u.Host, User: u.User.Username(), Password: password}); err != nil {
		return nil, err
	}
	pooled, err := s.Bouncer.URL(s.DBURL)
	if err != nil {
		return nil, err
	}
	return []string{"DATABASE_URL=" + pooled, "DATABASE_DIRECT_URL=" + s.DBURL}, nil
}

// hostPorts are the host:port of base URLs.
func hostPorts(urls []string) []string {
	var out []string
	for _, u := range urls {
		out = append(out, strings.TrimPrefix(u, "http://"))
	}
	return out
}

// startRoles starts the workers and n API instances on free ports and waits until each is
// ready.
func (s *System) startRoles(ctx context.Context, n int) error {
	for range s.workers {
		if err := s.start("worker", ""); err != nil {
			return err
		}
	}
	for range n {
		port, err := freeport.Port()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if err := s.start("api", addr); err != nil {
			return err
		}
		s.Instances = append(s.Instances, "http://"+addr)
	}
	s.Targets = s.Instances
	// Each API must become ready, and no role may have exited meanwhile (it says why).
	readyCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for _, p := range s.procs {
		go func() {
			select {
			case err := <-p.exited:
				p.exited <- err
				cancel(fmt.Errorf("boxoffice %s exited at start-up (%v):\n%s", p.role, err, p.logs))
			case <-readyCtx.Done():
			}
		}()
	}
	for _, t := range s.Instances {
		if err := process.AwaitReady(readyCtx, t); err != nil {
			if cause := context.Cause(readyCtx); cause != nil && !errors.Is(cause, context.Canceled) {
				return cause
			}
			return err
		}
	}
	return nil
}

// Command is the boxoffice binary with args, in the system's environment.
func (s *System) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.binary, args...)
	cmd.Env = s.env
	return cmd
}

func (s *System) start(role, addr string) error {
	p, err := s.launch(role, addr)
	if err != nil {
		return err
	}
	s.procs = append(s.procs, p)
	return nil
}

func (s *System) launch(role, addr string) (*proc, error) {
	cmd := exec.Command(s.binary, role)
	cmd.Env = s.env
	// If the rush dies without stopping it, the kernel sends SIGTERM.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if addr != "" {
		cmd.Env = append(cmd.Env, "BOXOFFICE_ADDR="+addr)
	}
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start boxoffice %s: %w", role, err)
	}
	p := &proc{role: role, addr: addr, cmd: cmd, logs: logs, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()
	return p, nil
}

// Crash kills role i with SIGKILL, as a machine failure would, and starts it again on the same
// address after the pause.
func (s *System) Crash(i int, pause time.Duration) error {
	p := s.procs[i]
	_ = p.cmd.Process.Kill()
	<-p.exited
	time.Sleep(pause)
	restarted, err := s.launch(p.role, p.addr)
	if err != nil {
		return err
	}
	s.procs[i] = restarted
	return nil
}

// RestartTemporal stops the dev server and starts it again on its file and address; in the
// production shape it restarts every service of the Temporal server.
func (s *System) RestartTemporal(ctx context.Context, pause time.Duration) error {
	if s.Server != nil {
		return s.Server.Restart(ctx, pause)
	}
	if s.temporalOpts.DBFilename == "" {
		return errors.New("the dev server keeps no file to restart from (set TemporalDB)")
	}
	if err := s.temporal.Stop(); err != nil {
		return err
	}
	time.Sleep(pause)
	var err error
	s.temporal, err = testsuite.StartDevServer(ctx, s.temporalOpts)
	return err
}

// Audit runs `boxoffice audit` on the system's database: whether every invariant holds, and
// its report.
func (s *System) Audit(ctx context.Context) (ok bool, report string, err error) {
	out, err := s.Command(ctx, "audit").CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return false, "", fmt.Errorf("boxoffice audit: %w", err)
	}
	return err == nil, string(out), nil
}

// DatabaseName is the name of the system's boxoffice database (Temporal's, in the production
// shape, are it followed by _temporal and _visibility).
func (s *System) DatabaseName() string {
	u, err := url.Parse(s.DBURL)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// RestartPgBouncer kills the bouncer (every connection through it drops) and starts it again
// on its address after pause.
func (s *System) RestartPgBouncer(ctx context.Context, pause time.Duration) error {
	if s.Bouncer == nil {
		return errors.New("no PgBouncer runs outside the production shape (Options.Cluster)")
	}
	return s.Bouncer.Restart(ctx, pause)
}

// TemporalAddress is the Temporal frontend, host:port.
func (s *System) TemporalAddress() string {
	if s.Server != nil {
		return s.Server.Frontend
	}
	return s.temporal.FrontendHostPort()
}

// PID is the process id of role i: the workers first, then the APIs in order.
func (s *System) PID(i int) int { return s.procs[i].cmd.Process.Pid }

// Workers is how many workers run: roles 0 to Workers-1 are workers, the APIs follow.
func (s *System) Workers() int { return s.workers }

// Stop ends every process with SIGTERM (SIGKILL after 15 s), the proxy, Temporal, the bouncer
// and the databases; once stopped, it does nothing.
func (s *System) Stop() {
	defer func() { s.procs, s.temporal, s.dropDB, s.Proxy, s.Server, s.Bouncer = nil, nil, nil, nil, nil, nil }()
	if s.Proxy != nil {
		s.Proxy.Stop()
	}
	for _, p := range s.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.exited:
			if err != nil {
				fmt.Fprintf(os.Stderr, "sandbox: boxoffice %s exited with %v\n%s", p.role, err, p.logs)
			}
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			fmt.Fprintf(os.Stderr, "sandbox: boxoffice %s did not stop within 15s of SIGTERM\n", p.role)
		}
	}
	if s.temporal != nil {
		_ = s.temporal.Stop()
	}
	if s.Server != nil {
		s.Server.Stop()
	}
	if s.Bouncer != nil {
		_ = s.Bouncer.Stop()
	}
	if s.dropDB != nil {
		s.dropDB()
		if s.Server != nil {
			_ = temporalserver.DropDatabases(context.Background(), s.adminURL, s.DatabaseName())
		}
	}
}

// CreateDatabase creates a fresh database on the admin URL's server and returns its URL and
// the function that drops it (or, with keep, says where it was kept).
func CreateDatabase(ctx context.Context, admin string, keep bool) (string, func(), error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL (-database-url): %w", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("boxoffice_sandbox_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if keep {
			fmt.Fprintf(os.Stderr, "sandbox: kept database %s\n", u)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

// DefaultAdminURL is where a sandbox creates its database unless told otherwise:
// $BOXOFFICE_TEST_DATABASE_URL, else the local server the README's setup uses.
func DefaultAdminURL() string {
	if v := os.Getenv("BOXOFFICE_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// BindFlags declares on fs the flags of every tool that spawns a system, with o's values as
// their defaults; instances says whether the tool lets the user choose how many APIs (-spawn).
func BindFlags(fs *flag.FlagSet, o *Options, instances bool) {
	if instances {
		fs.IntVar(&o.Instances, "spawn", o.Instances, "start this many API instances and one worker on loopback (instead of -targets)")
	}
	if o.Binary == "" {
		o.Binary = "bin/boxoffice"
	}
	fs.StringVar(&o.Binary, "boxoffice", o.Binary, "the boxoffice binary to spawn (make build)")
	fs.StringVar(&o.AdminURL, "database-url", DefaultAdminURL(),
		"PostgreSQL admin URL; the tool creates its own database there and drops it after ($BOXOFFICE_TEST_DATABASE_URL)")
	fs.StringVar(&o.TemporalCLI, "temporal-cli", temporaltest.CLI(), "the temporal CLI ($TEMPORAL_CLI)")
	fs.DurationVar(&o.HoldTTL, "hold-ttl", o.HoldTTL, "hold time of the spawned system")
	fs.DurationVar(&o.SessionTTL, "session-ttl", o.SessionTTL, "how long an admitted fan may book")
	fs.IntVar(&o.AdmitRate, "admit-rate", o.AdmitRate, "fans admitted per second")
	fs.IntVar(&o.MaxActive, "max-active", o.MaxActive, "ceiling on admitted fans")
	fs.IntVar(&o.Seats, "seats", o.Seats, "seats per date of each sale (3 dates)")
	fs.IntVar(&o.Sales, "sales", max(o.Sales, 1), "sales on at once: the demo sale and others put on through the admin API")
	fs.BoolVar(&o.Keep, "keep", false, "keep the spawned system's database afterwards")
	fs.IntVar(&o.Workers, "workers", max(o.Workers, 1), "workers to spawn")
	fs.BoolVar(&o.Cluster, "cluster", o.Cluster, "spawn the production shape: a Temporal server built from source on PostgreSQL, "+
		"the APIs behind HAProxy, PostgreSQL behind PgBouncer in transaction mode")
	fs.StringVar(&o.TemporalServer, "temporal-server", DefaultTemporalServer(), "with -cluster: the directory of the Temporal server make temporal-server builds ($BOXOFFICE_TEMPORAL_SERVER)")
}

// DefaultTemporalServer is $BOXOFFICE_TEMPORAL_SERVER, where the Makefile says the Temporal
// server it builds is.
func DefaultTemporalServer() string { return os.Getenv("BOXOFFICE_TEMPORAL_SERVER") }
