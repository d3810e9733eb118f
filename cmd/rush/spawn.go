package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
)

type spawnOptions struct {
	instances   int
	binary      string
	adminURL    string
	temporalCLI string
	holdTTL     time.Duration
	sessionTTL  time.Duration
	admitRate   int
	maxActive   int
	seats       int
	keep        bool
	// temporalDB, if set, makes the dev server keep its state in this file, so it can restart.
	temporalDB string
}

func bindSpawnFlags(o *spawnOptions) {
	flag.IntVar(&o.instances, "spawn", 0, "start this many API instances and one worker on loopback (instead of -targets)")
	flag.StringVar(&o.binary, "boxoffice", "bin/boxoffice", "with -spawn: the boxoffice binary (make build)")
	flag.StringVar(&o.adminURL, "database-url", envOr("BOXOFFICE_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"with -spawn: PostgreSQL admin URL; the rush creates its own database there ($BOXOFFICE_TEST_DATABASE_URL)")
	flag.StringVar(&o.temporalCLI, "temporal-cli", envOr("TEMPORAL_CLI", filepath.Join(goPath(), "bin", "temporal")), "with -spawn: the temporal CLI ($TEMPORAL_CLI)")
	flag.DurationVar(&o.holdTTL, "hold-ttl", 5*time.Second, "with -spawn: hold time, short so that unpaid holds expire during the rush")
	flag.DurationVar(&o.sessionTTL, "session-ttl", 2*time.Minute, "with -spawn: how long an admitted fan may book")
	flag.IntVar(&o.admitRate, "admit-rate", 100, "with -spawn: fans admitted per second")
	flag.IntVar(&o.maxActive, "max-active", 500, "with -spawn: ceiling on admitted fans")
	flag.IntVar(&o.seats, "seats", 50, "with -spawn: seats per date (3 dates)")
	flag.BoolVar(&o.keep, "keep", false, "with -spawn: keep the rush's database afterwards")
}

// system is a spawned boxoffice: a Temporal dev server, a fresh database, a worker and N APIs.
type system struct {
	targets      []string
	seatsOnSale  int
	dbURL        string
	binary       string
	env          []string
	procs        []*proc
	temporal     *testsuite.DevServer
	temporalOpts testsuite.DevServerOptions
	dropDB       func()
}

// proc is one spawned boxoffice role.
type proc struct {
	role, addr string
	cmd        *exec.Cmd
	logs       *bytes.Buffer
	exited     chan error
}

func spawn(ctx context.Context, o spawnOptions) (sys *system, err error) {
	if o.instances < 1 || o.instances > 8 {
		return nil, errors.New("-spawn must be 1 to 8 instances")
	}
	if _, err := os.Stat(o.binary); err != nil {
		return nil, fmt.Errorf("boxoffice binary %s: %w (run make build)", o.binary, err)
	}
	sys = &system{binary: o.binary, seatsOnSale: 3 * o.seats}
	defer func() {
		if err != nil {
			sys.stop()
		}
	}()
	if sys.dbURL, sys.dropDB, err = createDatabase(ctx, o.adminURL, o.keep); err != nil {
		return sys, err
	}
	// The dev server logs every store timeout under overload; keep that out of the report.
	temporalLog, err := os.CreateTemp("", "rush-temporal-*.log")
	if err != nil {
		return sys, err
	}
	defer temporalLog.Close()
	sys.temporalOpts = testsuite.DevServerOptions{
		ExistingPath: o.temporalCLI, LogLevel: "error", Stdout: temporalLog, Stderr: temporalLog, DBFilename: o.temporalDB,
	}
	if o.temporalDB != "" {
		// A restart must come back on the same address: the roles' clients reconnect to it.
		port, err := stablePort()
		if err != nil {
			return sys, err
		}
		sys.temporalOpts.ClientOptions = &client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", port)}
	}
	if sys.temporal, err = testsuite.StartDevServer(ctx, sys.temporalOpts); err != nil {
		return sys, fmt.Errorf("start Temporal dev server with %s (log %s): %w", o.temporalCLI, temporalLog.Name(), err)
	}
	fmt.Fprintf(os.Stderr, "rush: Temporal dev server at %s, log in %s\n", sys.temporal.FrontendHostPort(), temporalLog.Name())
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sys.env = append(os.Environ(),
		"DATABASE_URL="+sys.dbURL,
		"TEMPORAL_ADDRESS="+sys.temporal.FrontendHostPort(),
		"BOXOFFICE_TOKEN_KEY="+base64.StdEncoding.EncodeToString(key),
		"BOXOFFICE_HOLD_TTL="+o.holdTTL.String(),
		"BOXOFFICE_SESSION_TTL="+o.sessionTTL.String(),
		"BOXOFFICE_ADMIT_RATE="+strconv.Itoa(o.admitRate),
		"BOXOFFICE_MAX_ACTIVE="+strconv.Itoa(o.maxActive),
		"BOXOFFICE_ADMIT_TICK=250ms",
		"BOXOFFICE_LOG_LEVEL=warn",
		"BOXOFFICE_RATE_LIMIT=off", // every simulated fan comes from 127.0.0.1
	)
	if out, err := sys.command(ctx, "migrate", "--demo", "--demo-seats", strconv.Itoa(o.seats)).CombinedOutput(); err != nil {
		return sys, fmt.Errorf("boxoffice migrate: %w\n%s", err, out)
	}
	if err := sys.start("worker", ""); err != nil {
		return sys, err
	}
	for range o.instances {
		port, err := freePort()
		if err != nil {
			return sys, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if err := sys.start("api", addr); err != nil {
			return sys, err
		}
		sys.targets = append(sys.targets, "http://"+addr)
	}
	for _, t := range sys.targets {
		if err := waitReady(ctx, t); err != nil {
			return sys, err
		}
	}
	return sys, nil
}

func (s *system) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.binary, args...)
	cmd.Env = s.env
	return cmd
}

func (s *system) start(role, addr string) error {
	p, err := s.launch(role, addr)
	if err != nil {
		return err
	}
	s.procs = append(s.procs, p)
	return nil
}

func (s *system) launch(role, addr string) (*proc, error) {
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

// crash kills role i with SIGKILL, as a machine failure would, and starts it again on the same
// address after the pause.
func (s *system) crash(i int, pause time.Duration) error {
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

// restartTemporal stops the dev server and starts it again on its file and address.
func (s *system) restartTemporal(ctx context.Context, pause time.Duration) error {
	if s.temporalOpts.DBFilename == "" {
		return errors.New("the dev server keeps no file to restart from (set temporalDB)")
	}
	if err := s.temporal.Stop(); err != nil {
		return err
	}
	time.Sleep(pause)
	var err error
	s.temporal, err = testsuite.StartDevServer(ctx, s.temporalOpts)
	return err
}

// audit runs `boxoffice audit` on the rush's database.
func (s *system) audit(ctx context.Context) (AuditResult, error) {
	out, err := s.command(ctx, "audit").CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return AuditResult{}, fmt.Errorf("boxoffice audit: %w", err)
	}
	return AuditResult{OK: err == nil, Output: string(out)}, nil
}

// stop ends every process with SIGTERM (SIGKILL after 15 s), the dev server, and the database.
func (s *system) stop() {
	for _, p := range s.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.exited:
			if err != nil {
				fmt.Fprintf(os.Stderr, "rush: boxoffice %s exited with %v\n%s", p.role, err, p.logs)
			}
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			fmt.Fprintf(os.Stderr, "rush: boxoffice %s did not stop within 15s of SIGTERM\n", p.role)
		}
	}
	if s.temporal != nil {
		_ = s.temporal.Stop()
	}
	if s.dropDB != nil {
		s.dropDB()
	}
}

func createDatabase(ctx context.Context, admin string, keep bool) (string, func(), error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL (-database-url): %w", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("boxoffice_rush_%d", time.Now().UnixNano())
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
			fmt.Fprintf(os.Stderr, "rush: kept database %s\n", u)
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

func waitReady(ctx context.Context, base string) error {
	for {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return fmt.Errorf("%s not ready before the time limit", base)
		}
	}
}

// stablePort finds a free port below the kernel's ephemeral range (32768 and up on Linux), so
// that no outgoing connection can be using it when a server binds it again after a restart.
func stablePort() (int, error) {
	for range 100 {
		port := 20000 + mathrand.IntN(10000)
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port between 20000 and 30000")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func goPath() string {
	if p := os.Getenv("GOPATH"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go")
}
