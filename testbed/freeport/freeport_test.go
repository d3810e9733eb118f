package freeport

import "testing"

// A test that starts several servers asks for all their ports before any binds; no two may be
// told the same one, though each probe is closed before the next question.
func TestPortNeverRepeatsInAProcess(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		port, err := Port()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		if port < lowest || port >= lowest+count {
			t.Fatalf("port %d outside [%d, %d)", port, lowest, lowest+count)
		}
		seen[port] = true
	}
}
