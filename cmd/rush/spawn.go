package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
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
	targets     []string
	seatsOnSale int
	dbURL       string
	binary      string
	env         []string
	procs       []*exec.Cmd
	logs        []*bytes.Buffer
	temporal    *testsuite.DevServer
	dropDB      func()
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
	if sys.temporal, err = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: o.temporalCLI, LogLevel: "error", Stdout: temporalLog, Stderr: temporalLog,
	}); err != nil {
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
	cmd := exec.Command(s.binary, role)
	cmd.Env = s.env
	// If the rush dies without stopping it, the kernel sends SIGTERM.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if addr != "" {
		cmd.Env = append(cmd.Env, "BOXOFFICE_ADDR="+addr)
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start boxoffice %s: %w", role, err)
	}
	s.procs, s.logs = append(s.procs, cmd), append(s.logs, &logs)
	return nil
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
	for i, cmd := range s.procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				fmt.Fprintf(os.Stderr, "rush: %s exited with %v\n%s", cmd.Args, err, s.logs[i])
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			fmt.Fprintf(os.Stderr, "rush: %s did not stop within 15s of SIGTERM\n", cmd.Args)
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
