// Package pgbouncer runs a PgBouncer in transaction mode in front of a PostgreSQL server on
// loopback: the pooler production puts between many API instances and the database, for the
// tests that prove the store works behind it and for the cluster run.
package pgbouncer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/freeport"
)

// Options say what the bouncer fronts.
type Options struct {
	// Upstream is the PostgreSQL server's host:port.
	Upstream string
	// User is the role clients connect as; the bouncer trusts it, as the server here does.
	User string
	// PoolSize is the server connections for each database and user (20 when 0).
	PoolSize int
	// Port is the port to listen on (a free one when 0).
	Port int
	// Dir holds its configuration, log and pid file (a new temporary directory when empty,
	// removed by Stop).
	Dir string
}

// Bouncer is a running PgBouncer.
type Bouncer struct {
	// Addr is where clients connect: 127.0.0.1:port.
	Addr string
	// Log is the bouncer's log file.
	Log string

	cmd     *exec.Cmd
	exited  chan error
	tempDir string
}

// Binary is the pgbouncer executable: on PATH, or where Debian's package puts it.
func Binary() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", errors.New("pgbouncer is not installed (apt-get install pgbouncer)")
}

// Start runs a bouncer in transaction mode and returns once it accepts connections.
func Start(ctx context.Context, o Options) (*Bouncer, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(o.Upstream)
	if err != nil {
		return nil, fmt.Errorf("pgbouncer: upstream %q is not host:port: %w", o.Upstream, err)
	}
	if o.PoolSize == 0 {
		o.PoolSize = 20
	}
	if o.Port == 0 {
		if o.Port, err = freeport.Port(); err != nil {
			return nil, err
		}
	}
	b := &Bouncer{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)), exited: make(chan error, 1)}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "pgbouncer-"); err != nil {
			return nil, err
		}
		b.tempDir = dir
	}
	// PgBouncer refuses to run as root: as root it switches to the PostgreSQL package's user,
	// who must be able to read its files and write its log.
	args, err := dropRoot(dir)
	if err != nil {
		return nil, b.cleanup(err)
	}
	b.Log = filepath.Join(dir, "pgbouncer.log")
	conf := filepath.Join(dir, "pgbouncer.ini")
	users := filepath.Join(dir, "users.txt")
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 2000
server_lifetime = 3600
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, host, port, o.Port, users, o.PoolSize, b.Log, filepath.Join(dir, "pgbouncer.pid"))
	if err := os.WriteFile(conf, []byte(ini), 0o644); err != nil {
		return nil, b.cleanup(err)
	}
	if err := os.WriteFile(users, []byte(strconv.Quote(o.User)+` ""`+"\n"), 0o644); err != nil {
		return nil, b.cleanup(err)
	}
	b.cmd = exec.Command(bin, append(args, conf)...)
	b.cmd.Stdout, b.cmd.Stderr = os.Stderr, os.Stderr
	if err := b.cmd.Start(); err != nil {
		return nil, b.cleanup(fmt.Errorf("start pgbouncer: %w", err))
	}
	go func() { b.exited <- b.cmd.Wait() }()
	if err := b.awaitListening(ctx); err != nil {
		_ = b.Stop()
		return nil, err
	}
	return b, nil
}

// awaitListening waits until the bouncer accepts connections, or says why it never will.
func (b *Bouncer) awaitListening(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-b.exited:
			b.exited <- err
			return fmt.Errorf("pgbouncer exited at start-up (%v); its log: %s", err, b.tail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", b.Addr, 100*time.Millisecond); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("pgbouncer did not listen on %s within 10 s; its log: %s", b.Addr, b.tail())
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

// Kill stops the bouncer at once, as a crash would (SIGKILL).
func (b *Bouncer) Kill() error {
	if err := b.cmd.Process.Kill(); err != nil {
		return err
	}
	err := <-b.exited
	b.exited <- err
	return nil
}

// Stop ends the bouncer and removes the directory Start made for it.
func (b *Bouncer) Stop() error {
	_ = b.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-b.exited:
		b.exited <- err
	case <-time.After(5 * time.Second):
		_ = b.Kill()
	}
	return b.cleanup(nil)
}

func (b *Bouncer) cleanup(err error) error {
	if b.tempDir != "" {
		_ = os.RemoveAll(b.tempDir)
	}
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
// and opens dir to that user.
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
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return []string{"-u", "postgres"}, os.Chmod(dir, 0o755)
}
