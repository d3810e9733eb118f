// Package pgbouncer runs a PgBouncer in transaction mode in front of a PostgreSQL server on
// loopback: the pooler production puts between many API instances and the database, for the
// tests that prove the store works behind it and for the cluster run.
package pgbouncer

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/process"
)

// Options say what the bouncer fronts.
type Options struct {
	// Upstream is the PostgreSQL server's host:port.
	Upstream string
	// User is the role clients connect as, and Password its password on the server (empty
	// where the server trusts loopback, as here).
	User, Password string
	// AuthType is how the bouncer checks its clients: trust when empty, or scram-sha-256
	// (the password Password), as deploy/cluster does.
	AuthType string
	// PoolSize is the server connections for each database and user (20 when 0).
	PoolSize int
}

// Bouncer is a running PgBouncer.
type Bouncer struct {
	// Addr is where clients connect: 127.0.0.1:port.
	Addr string
	// Log is the bouncer's log file.
	Log string

	bin, conf string
	args      []string
	cmd       *exec.Cmd
	exited    chan error
	dir       string
}

// Binary is the pgbouncer executable: on PATH, or where Debian's package puts it.
func Binary() (string, error) { return process.Daemon("pgbouncer") }

// Settings are a bouncer's configuration: the cluster run's on loopback, deploy/cluster's in
// a container.
type Settings struct {
	// Listen is host:port, or *:port for every interface.
	Listen string
	// Upstream is the PostgreSQL server's host:port.
	Upstream string
	// AuthType is how clients log in (trust, scram-sha-256, ...); AuthFile lists each user and
	// the password the bouncer logs in to the server with.
	AuthType, AuthFile string
	// PoolSize is the server connections for each database and user.
	PoolSize int
	// LogFile and PidFile are left out when empty: the log goes to stderr.
	LogFile, PidFile string
}

// Config is the bouncer's configuration file for s: transaction mode, every database of the
// upstream server.
func Config(s Settings) string {
	listenHost, listenPort := s.Listen, ""
	if i := strings.LastIndex(s.Listen, ":"); i >= 0 {
		listenHost, listenPort = s.Listen[:i], s.Listen[i+1:]
	}
	host, port, _ := net.SplitHostPort(s.Upstream)
	var b strings.Builder
	fmt.Fprintf(&b, `[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = %s
listen_port = %s
unix_socket_dir =
auth_type = %s
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 2000
server_lifetime = 3600
ignore_startup_parameters = extra_float_digits
`, host, port, listenHost, listenPort, s.AuthType, s.AuthFile, s.PoolSize)
	if s.LogFile != "" {
		fmt.Fprintf(&b, "logfile = %s\n", s.LogFile)
	}
	if s.PidFile != "" {
		fmt.Fprintf(&b, "pidfile = %s\n", s.PidFile)
	}
	return b.String()
}

// UserList is an auth_file's line for user: the bouncer logs in to the server with password.
func UserList(user, password string) string {
	return strconv.Quote(user) + " " + strconv.Quote(password) + "\n"
}

// Start runs a bouncer in transaction mode on a free port, its files in a new temporary
// directory, and returns once it accepts connections.
func Start(ctx context.Context, o Options) (*Bouncer, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(o.Upstream); err != nil {
		return nil, fmt.Errorf("pgbouncer: upstream %q is not host:port: %w", o.Upstream, err)
	}
	if o.PoolSize == 0 {
		o.PoolSize = 20
	}
	if o.AuthType == "" {
		o.AuthType = "trust"
	}
	listen, err := freeport.Port()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgbouncer-")
	if err != nil {
		return nil, err
	}
	b := &Bouncer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(listen)), Log: filepath.Join(dir, "pgbouncer.log"),
		bin: bin, conf: filepath.Join(dir, "pgbouncer.ini"), dir: dir}
	users := filepath.Join(dir, "users.txt")
	ini := Config(Settings{
		Listen: b.Addr, Upstream: o.Upstream, AuthType: o.AuthType, AuthFile: users, PoolSize: o.PoolSize,
		LogFile: b.Log, PidFile: filepath.Join(dir, "pgbouncer.pid"),
	})
	if err := os.WriteFile(b.conf, []byte(ini), 0o644); err != nil {
		return nil, b.cleanup(err)
	}
	// The bouncer logs in to the server with the password its users file gives.
	if err := os.WriteFile(users, []byte(UserList(o.User, o.Password)), 0o600); err != nil {
		return nil, b.cleanup(err)
	}
	// PgBouncer refuses to run as root: as root it switches to the PostgreSQL package's user,
	// who must be able to read its files and write its log.
	if b.args, err = dropRoot(dir); err != nil {
		return nil, b.cleanup(err)
	}
	if err := b.run(ctx); err != nil {
		return nil, b.cleanup(err)
	}
	return b, nil
}

// run starts the bouncer's process and waits until it listens.
func (b *Bouncer) run(ctx context.Context) error {
	b.cmd = exec.Command(b.bin, append(slices.Clone(b.args), b.conf)...)
	// Its log is b.Log; what it prints is the same.
	b.cmd.Stdout, b.cmd.Stderr = nil, nil
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	b.exited = make(chan error, 1)
	if err := b.cmd.Start(); err != nil {
		return fmt.Errorf("start pgbouncer: %w", err)
	}
	go func() { b.exited <- b.cmd.Wait() }()
	if err := b.awaitListening(ctx); err != nil {
		b.kill()
		return err
	}
	return nil
}

// awaitListening waits until the bouncer accepts connections, or says why it never will.
func (b *Bouncer) awaitListening(ctx context.Context) error {
	if err := process.AwaitListening(ctx, b.Addr, b.exited, 10*time.Second); err != nil {
		return fmt.Errorf("pgbouncer %w; its log: %s", err, b.tail())
	}
	return nil
}

// URL is dbURL, a PostgreSQL URL, pointed at the bouncer instead: the same database and user.
// Through a pooler in transaction mode a statement cannot be prepared on one server
// connection and run on another, so pgx sends each query whole (default_query_exec_mode=exec).
func (b *Bouncer) URL(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("pgbouncer: %q is not a postgres:// URL", dbURL)
	}
	u.Host = b.Addr
	q := u.Query()
	q.Set("default_query_exec_mode", "exec")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Restart kills the bouncer (SIGKILL, dropping every client's connection as a crash would)
// and starts it again on the same address after pause.
func (b *Bouncer) Restart(ctx context.Context, pause time.Duration) error {
	b.kill()
	time.Sleep(pause)
	return b.run(ctx)
}

// Stop ends the bouncer and removes its files.
func (b *Bouncer) Stop() error {
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		b.kill()
	}
	return b.cleanup(nil)
}

func (b *Bouncer) kill() {
	_ = b.cmd.Process.Kill()
	err := <-b.exited
	b.exited <- err
}

func (b *Bouncer) cleanup(err error) error {
	_ = os.RemoveAll(b.dir)
	return err
}

// tail is the end of the bouncer's log, for an error.
func (b *Bouncer) tail() string {
	data, _ := os.ReadFile(b.Log)
	s := strings.TrimSpace(string(data))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}

// dropRoot returns the flags that make a bouncer started as root run as the postgres user,
// and gives that user dir and its files.
func dropRoot(dir string) ([]string, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgbouncer will not run as root, and there is no postgres user to run it as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
	return []string{"-u", "postgres"}, err
}
