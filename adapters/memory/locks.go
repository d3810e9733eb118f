package memory

import (
	"context"
	"sync"

	"github.com/boxoffice/boxoffice/core"
)

// Locks implements core.RequestLocks for one process.
type Locks struct {
	mu   sync.Mutex
	held map[userKey]bool
}

// NewLocks returns a lock table with nothing held.
func NewLocks() *Locks { return &Locks{held: map[userKey]bool{}} }

var _ core.RequestLocks = (*Locks)(nil)

// TryLock implements core.RequestLocks.
func (l *Locks) TryLock(_ context.Context, user core.UserID, key core.IdempotencyKey) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := userKey{user, key}
	if l.held[k] {
		return nil, false, nil
	}
	l.held[k] = true
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.held, k)
	}, true, nil
}
