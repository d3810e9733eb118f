package process_test

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/testbed/process"
)

// AwaitListening returns once the address accepts, and otherwise says why it gave up: the
// process exited (its report put back for the next reader), or nothing listened in time.
func TestAwaitListeningSaysWhyItGaveUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	running := make(chan error, 1)
	if err := process.AwaitListening(context.Background(), addr, running, time.Second); err != nil {
		t.Fatalf("a listening address: %v", err)
	}
	ln.Close()

	if err := process.AwaitListening(context.Background(), addr, running, 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "did not listen on "+addr) {
		t.Fatalf("nothing listening: %v", err)
	}

	cmd := exec.Command("sh", "-c", "exit 3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	err = process.AwaitListening(context.Background(), addr, exited, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exited at start-up (exit status 3)") {
		t.Fatalf("an exited process: %v", err)
	}
	select {
	case again := <-exited:
		if again == nil {
			t.Fatal("the exit was put back as nil")
		}
	default:
		t.Fatal("the exit was not put back for the next reader")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := process.AwaitListening(ctx, addr, running, time.Minute); err != context.Canceled {
		t.Fatalf("an ended context: %v", err)
	}
}

// Daemon finds a Debian package's daemon on PATH or in /usr/sbin, and names the package to
// install when it is neither.
func TestDaemonNamesThePackageToInstall(t *testing.T) {
	if p, err := process.Daemon("sh"); err != nil || !strings.HasSuffix(p, "/sh") {
		t.Fatalf("sh: %q, %v", p, err)
	}
	_, err := process.Daemon("no-such-daemon-here")
	if err == nil || err.Error() != "no-such-daemon-here is not installed (apt-get install no-such-daemon-here)" {
		t.Fatalf("a missing daemon: %v", err)
	}
}
