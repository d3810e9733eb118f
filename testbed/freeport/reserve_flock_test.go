//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package freeport

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Another process's reservation (a lock on the port's file, as its Port took it) keeps the
// port from this one: go test runs packages side by side, each starting servers.
func TestReserveRefusesAPortAnotherProcessHolds(t *testing.T) {
	port := lowest + count - 1
	if given[port] {
		t.Skip("the port is this process's already")
	}
	// A lock taken through a separate open file stands for another process: flock locks
	// belong to the open file, so this one conflicts with reserve's as another process's would.
	dir := filepath.Join(os.TempDir(), "boxoffice-freeport")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	other, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		other.Close()
		t.Skipf("port %d is reserved by a process running now: %v", port, err)
	}
	if reserve(port) {
		t.Fatalf("reserve(%d) succeeded while another open file holds its lock", port)
	}
	other.Close() // the other process exits: its lock goes with it
	if !reserve(port) {
		t.Fatalf("reserve(%d) refused after the other holder let go", port)
	}
}
