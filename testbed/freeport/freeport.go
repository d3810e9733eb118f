// Package freeport picks loopback ports for servers that a test or a local run starts and
// tells its clients about before they bind.
package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
)

// The range ports are picked from: below the kernel's ephemeral range (32768 and up on
// Linux), because between the asking and the server's bind an outgoing connection (to
// PostgreSQL, to Temporal) can take a freed ephemeral port as its own, and the server then
// fails with "address already in use"; no outgoing connection is given one of these.
const (
	lowest = 20000
	count  = 10000
)

var (
	mu sync.Mutex
	// given holds the ports this process handed out. A port is free again once its asker
	// closed the probe, so without it two servers of one test could be told the same port.
	given = map[int]bool{}
)

// Port is a loopback port free at the moment of asking that no other caller in this process,
// and no other process asking through this package (go test runs packages side by side), is
// told about while this process lives.
func Port() (int, error) {
	mu.Lock()
	defer mu.Unlock()
	for range 100 {
		port := lowest + rand.IntN(count)
		if given[port] || !reserve(port) {
			continue
		}
		// Reserved, so never tried again by this process, whether it is free or not.
		given[port] = true
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port between %d and %d: %w", lowest, lowest+count, errNone)
}

var errNone = errors.New("every port tried was in use or reserved by another process")
