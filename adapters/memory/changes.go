package memory

import (
	"sync"

	"github.com/boxoffice/boxoffice/core"
)

// watchers are the in-process copies of the catalog told of each change of a sale. They are
// called under the store's lock, before the write returns: they drop what they kept and never
// call the store back.
type watchers struct {
	mu sync.Mutex
	fs []func(core.SaleID)
}

func (w *watchers) watch(f func(core.SaleID)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fs = append(w.fs, f)
}

func (w *watchers) announce(sale core.SaleID) {
	w.mu.Lock()
	fs := w.fs
	w.mu.Unlock()
	for _, f := range fs {
		f(sale)
	}
}
