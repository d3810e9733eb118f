// Package process ends the helper processes the cluster run starts (HAProxy, the Temporal
// server's services, its UI).
package process

import (
	"os/exec"
	"syscall"
	"time"
)

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
