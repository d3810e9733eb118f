package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// listings is a catalog.Lister answering from a copy: a rush of new fans costs the store one
// read per refresh, and while one caller refreshes a stale copy the others answer from it. A
// change of any sale drops the copy, so this instance's own change shows in its next answer and
// another instance's within the store's notice; the copy is never older than
// catalog.DirectoryRefresh (by the domain clock) whatever was missed.
type listings struct {
	lister catalog.Lister
	clock  core.Clock

	mu         sync.Mutex // orders a change's drop against a refresh storing its copy
	gen        uint64     // changes seen: a copy read across one is not kept
	cur        atomic.Pointer[listingsCopy]
	refreshing atomic.Bool
}

type listingsCopy struct {
	listings []catalog.Listing
	readAt   time.Time
}

// Public implements catalog.Lister.
func (l *listings) Public(ctx context.Context) ([]catalog.Listing, error) {
	now := l.clock.Now()
	if c := l.cur.Load(); c != nil {
		age := now.Sub(c.readAt)
		if age >= 0 && age < catalog.DirectoryRefresh || !l.refreshing.CompareAndSwap(false, true) {
			return c.listings, nil
		}
		defer l.refreshing.Store(false)
	}
	l.mu.Lock()
	gen := l.gen
	l.mu.Unlock()
	out, err := l.lister.Public(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.gen == gen {
		l.cur.Store(&listingsCopy{listings: out, readAt: now})
	}
	l.mu.Unlock()
	return out, nil
}

// changed drops the copy: the next answer reads the sales again.
func (l *listings) changed(core.SaleID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	l.cur.Store(nil)
}
