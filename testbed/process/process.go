// Package process finds, awaits and ends the processes tests and tools start: boxoffice's own,
// and the helpers the cluster run starts (HAProxy, PgBouncer, the Temporal server's services,
// its UI).
package process

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Daemon is the executable of a Debian package's daemon named name (the package's name too):
// on PATH, or in /usr/sbin, which a non-root PATH often lacks.
func Daemon(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if p := "/usr/sbin/" + name; fileExists(p) {
		return p, nil
	}
	return "", fmt.Errorf("%s is not installed (apt-get install %s)", name, name)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// AwaitListening waits until addr accepts a connection. It gives up when the process reports on
// exited (the channel its Wait reports on; what it reads is put back for whoever waits next),
// when ctx ends, or after within; its error says which, for the caller to name the process.
func AwaitListening(ctx context.Context, addr string, exited chan error, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("exited at start-up (%v)", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not listen on %s within %s", addr, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// AwaitReady waits until the boxoffice API at base answers /readyz with 200, or ctx ends.
func AwaitReady(ctx context.Context, base string) error {
	for {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready before the time limit", base)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop asks cmd to end (SIGTERM) and waits for it on exited, the channel its Wait reports on;
// after grace, it kills it.
func Stop(cmd *exec.Cmd, exited <-chan error, grace time.Duration) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-exited
	}
}
