package temporal_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/workflows/admission"
)

// signals is a Temporal client that only counts the admission workflows' wakes.
type signals struct {
	client.Client
	mu    sync.Mutex
	wakes map[string]int
}

func (s *signals) SignalWorkflow(_ context.Context, id, _, name string, _ any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == admission.SignalWake {
		s.wakes[id]++
	}
	return nil
}

func (s *signals) count(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wakes[id]
}

// A burst of fans joining a sleeping sale wakes its workflow once at once and once more when
// the second is up, never once each, and never drops the last: a fan who joined late in the
// burst is not left asleep.
func TestWakesOfABurstAreCoalescedButTheLastIsKept(t *testing.T) {
	c := &signals{wakes: map[string]int{}}
	loop := temporal.NewAdmission(c)
	for range 50 {
		loop.Wake("burst-sale")
	}
	loop.Wake("other-sale")
	id := admission.WorkflowID("burst-sale")
	waitFor := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); c.count(id) < want && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		}
	}
	waitFor(2)
	time.Sleep(1200 * time.Millisecond) // nothing more is due
	if n := c.count(id); n != 2 {
		t.Fatalf("50 wakes at once sent %d signals, want 2: the first at once, one more for those that came after it", n)
	}
	if n := c.count(admission.WorkflowID("other-sale")); n != 1 {
		t.Fatalf("another sale's wake sent %d signals, want 1", n)
	}
	loop.Wake("burst-sale") // well after the last: sent at once
	waitFor(3)
	if n := c.count(id); n != 3 {
		t.Fatalf("a wake after a quiet second sent %d signals in all, want 3", n)
	}
}
