package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/boxoffice/boxoffice/testbed/freeport"
)

// privatePostgres is a PostgreSQL cluster of the test's own, so restarting it leaves the
// machine's server alone.
type privatePostgres struct {
	bin, dir, sockets string
	port              int
	url               string
}

// startPrivatePostgres runs initdb in a temporary folder as the postgres user and starts the
// cluster on a free loopback port; it is stopped when the test ends.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Skip("chaos test needs the PostgreSQL server binaries (initdb)")
	}
	root, err := os.MkdirTemp("", "boxoffice-chaos-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	p := &privatePostgres{bin: filepath.Dir(bins[len(bins)-1]), dir: filepath.Join(root, "data"), sockets: root}
	if p.port, err = freeport.Port(); err != nil {
		t.Fatal(err)
	}
	// The server refuses to run as root: the cluster belongs to the postgres user.
	if out, err := exec.Command("chown", "postgres:postgres", root).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	if out, err := p.asPostgres("initdb", "-D", p.dir, "--auth=trust", "-U", "postgres").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.asPostgres("pg_ctl", "-D", p.dir, "-m", "immediate", "stop").Run() })
	p.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	return p
}

func (p *privatePostgres) asPostgres(tool string, args ...string) *exec.Cmd {
	return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, tool)}, args...)...)
}

func (p *privatePostgres) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", p.port, p.sockets)
	if out, err := p.asPostgres("pg_ctl", "-D", p.dir, "-o", opts, "-l", filepath.Join(p.sockets, "log"), "-w", "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// restart stops the cluster as a crash would (immediate: no checkpoint) and starts it again.
func (p *privatePostgres) restart() error {
	if out, err := p.asPostgres("pg_ctl", "-D", p.dir, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return p.start()
}
