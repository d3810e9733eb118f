// Package haproxy runs HAProxy on loopback in front of several boxoffice API instances, as a
// load balancer does in production: round robin over the instances that pass their health
// check, a request whose connection failed sent to another one.
package haproxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/process"
)

// Proxy is a running HAProxy.
type Proxy struct {
	// Addr is where clients connect: 127.0.0.1:port.
	Addr string
	// StatsURL is HAProxy's own page of backends and their state.
	StatsURL string

	cmd     *exec.Cmd
	exited  chan error
	tempDir string
}

// Binary is the haproxy executable: on PATH, or where Debian's package puts it.
func Binary() (string, error) { return process.Daemon("haproxy") }

// Settings say where a proxy listens and what it fronts.
type Settings struct {
	// Listen and Stats are the addresses of the API and of HAProxy's statistics page:
	// host:port, or :port for every interface.
	Listen, Stats string
	// Backends are the API instances, host:port each.
	Backends []string
	// Resolver, when set, is the DNS server (host:port) that backends' names are looked up on
	// and looked up again while the proxy runs, as a container's address changes when it is
	// recreated; a backend whose name does not resolve yet starts down instead of stopping the
	// proxy.
	Resolver string
}

// Config is HAProxy's configuration for s. A failed connection is retried on another instance
// (the request never reached one); a request an instance took is never sent twice.
func Config(s Settings) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 4000

defaults
    mode http
    # The proxy's own refusals are problems (RFC 9457), as every answer of the API is.
%s
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    option http-keep-alive
    retries 3
    retry-on conn-failure
    option redispatch
`, problemErrors())
	serverOptions := "inter 500ms fall 2 rise 2"
	if s.Resolver != "" {
		fmt.Fprintf(&b, `
resolvers dns
    nameserver dns %s
    hold valid 5s
`, s.Resolver)
		serverOptions += " resolvers dns init-addr last,libc,none"
	}
	fmt.Fprintf(&b, `
frontend boxoffice
    bind %s
    default_backend api

backend api
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server %s
`, s.Listen, serverOptions)
	for i, be := range s.Backends {
		fmt.Fprintf(&b, "    server api%d %s check\n", i+1, be)
	}
	fmt.Fprintf(&b, `
frontend stats
    bind %s
    stats enable
    stats uri /
    stats refresh 2s
`, s.Stats)
	return b.String()
}

// problemErrors are the proxy's answers when no instance can take a request, as problems.
func problemErrors() string {
	var b strings.Builder
	for _, e := range []struct {
		status int
		detail string
	}{
		{502, "an API instance failed while answering; retry the request (one with an Idempotency-Key is safe to retry)"},
		{503, "no API instance is ready to answer; retry after a few seconds"},
		{504, "an API instance did not answer in time; retry the request (one with an Idempotency-Key is safe to retry)"},
	} {
		body := fmt.Sprintf(`{"title":%q,"status":%d,"detail":%q}`, http.StatusText(e.status), e.status, e.detail)
		fmt.Fprintf(&b, "    http-error status %d content-type \"application/problem+json\" hdr Retry-After 2 string '%s'\n", e.status, body)
	}
	return b.String()
}

// Start runs HAProxy in front of backends and returns once it accepts connections.
func Start(ctx context.Context, backends []string) (*Proxy, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	port, err := freeport.Port()
	if err != nil {
		return nil, err
	}
	statsPort, err := freeport.Port()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "haproxy-")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), StatsURL: fmt.Sprintf("http://127.0.0.1:%d/", statsPort),
		exited: make(chan error, 1), tempDir: dir}
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(Config(Settings{Listen: p.Addr, Stats: fmt.Sprintf("127.0.0.1:%d", statsPort), Backends: backends})), 0o644); err != nil {
		return nil, p.cleanup(err)
	}
	// -db: stay in the foreground, logs to stderr.
	p.cmd = exec.Command(bin, "-db", "-f", conf)
	out := &strings.Builder{}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		return nil, p.cleanup(fmt.Errorf("start haproxy: %w", err))
	}
	go func() { p.exited <- p.cmd.Wait() }()
	if err := process.AwaitListening(ctx, p.Addr, p.exited, 10*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("haproxy %w: %s", err, out)
	}
	return p, nil
}

// Stop ends HAProxy and removes its configuration.
func (p *Proxy) Stop() {
	process.Stop(p.cmd, p.exited, 5*time.Second)
	_ = p.cleanup(nil)
}

func (p *Proxy) cleanup(err error) error {
	_ = os.RemoveAll(p.tempDir)
	return err
}
