package temporalserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/process"
)

// UIConfig is the Temporal UI server's configuration: listening on host:port and reading the
// cluster whose frontend's gRPC address is frontend, namespace first.
func UIConfig(host string, port int, frontend, namespace string) string {
	return fmt.Sprintf(`temporalGrpcAddress: %q
host: %q
port: %d
enableUi: true
defaultNamespace: %q
showTemporalSystemNamespace: false
notifyOnNewVersion: false
auth:
  enabled: false
`, frontend, host, port, namespace)
}

// uiBinary is where `make temporal-server` builds the UI server.
func uiBinary(dir string) string { return filepath.Join(dir, "ui", "server") }

// startUI runs the Temporal UI server pointed at the frontend, on a port of its own, and waits
// until it listens.
func (s *Server) startUI(ctx context.Context) error {
	port, err := freeport.Port()
	if err != nil {
		return err
	}
	root := filepath.Join(s.Work, "ui")
	if err := os.MkdirAll(filepath.Join(root, "config"), 0o755); err != nil {
		return err
	}
	// The UI server reads base.yaml, then <env>.yaml over it if there is one.
	config := UIConfig("127.0.0.1", port, s.Frontend, s.o.Namespace)
	if err := os.WriteFile(filepath.Join(root, "config", "base.yaml"), []byte(config), 0o644); err != nil {
		return err
	}
	logFile, err := os.OpenFile(s.Log("ui"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(uiBinary(s.o.Dir), "--root", root, "--config", "config", "--env", "cluster", "start")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the Temporal UI: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.ui, s.uiExited = cmd, exited
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := process.AwaitListening(ctx, addr, exited, 30*time.Second); err != nil {
		return fmt.Errorf("the Temporal UI %w; its log: %s", err, s.Log("ui"))
	}
	s.UI = "http://" + addr
	return nil
}

// stopUI ends the UI server, if it runs.
func (s *Server) stopUI() {
	if s.ui == nil {
		return
	}
	process.Stop(s.ui, s.uiExited, 5*time.Second)
	s.ui, s.uiExited = nil, nil
}
