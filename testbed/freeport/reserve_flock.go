//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package freeport

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// held keeps the reservations' files open, and so their locks held, until the process exits,
// when the kernel lets them go however the process ends.
var held []*os.File

// reserve takes an exclusive lock on a file named for the port in a directory every process
// on the machine shares; another process holding it means the port was handed out there.
func reserve(port int) bool {
	dir := filepath.Join(os.TempDir(), "boxoffice-freeport")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return true // no shared directory: fall back to the bind probe alone
	}
	// Read-only: flock needs no write access, so another user's reservation file still locks.
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDONLY, 0o666)
	if err != nil {
		return true
	}
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); {
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return false // another process holds it
	case err != nil:
		f.Close()
		return true // no locks on this file system: the bind probe alone decides
	}
	held = append(held, f)
	return true
}
