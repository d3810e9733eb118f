// Package freeport picks loopback ports for servers that a test or a local run starts and
// tells its clients about before they bind.
package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
)

// Port is a loopback port free at the moment of asking, chosen below the kernel's ephemeral
// range (32768 and up on Linux): between the asking and the server's bind, an outgoing
// connection (to PostgreSQL, to Temporal) can take a freed ephemeral port as its own, and the
// server then fails with "address already in use"; no outgoing connection is given one of
// these.
func Port() (int, error) {
	for range 100 {
		port := 20000 + rand.IntN(10000)
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port between 20000 and 30000")
}
