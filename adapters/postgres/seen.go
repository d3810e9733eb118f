package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// seenWriter coalesces last-seen times. A poll only records the time in memory; a writer
// flushes every pending time in one statement at most every flushEvery, and a token written
// less than resolution ago is not written again. At 100,000 fans polling every few seconds
// the database sees one statement per flush and one row update per fan per resolution, not
// one per poll. Times lost in a crash only make a fan look gone up to resolution+flushEvery
// earlier, far below the abandonment time (queue.MinAbandonAfter). A failed write is retried
// at the next flush.
type seenWriter struct {
	write      func(ctx context.Context, ids []string, at []time.Time) error
	flushEvery time.Duration
	resolution time.Duration

	mu      sync.Mutex
	pending map[core.ID]time.Time
	written map[core.ID]time.Time // when each token's time was last written
	running bool
	closing chan struct{}  // closed by close: the writer flushes once more and stops
	writer  sync.WaitGroup // the running writer, if any
}

func newSeenWriter(write func(ctx context.Context, ids []string, at []time.Time) error) *seenWriter {
	return &seenWriter{
		write: write, flushEvery: 2 * time.Second, resolution: 10 * time.Second,
		pending: map[core.ID]time.Time{}, written: map[core.ID]time.Time{}, closing: make(chan struct{}),
	}
}

// mark records that id was seen at now.
func (w *seenWriter) mark(id core.ID, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if last, ok := w.written[id]; ok && now.Sub(last) < w.resolution {
		return
	}
	if prev, ok := w.pending[id]; !ok || now.After(prev) {
		w.pending[id] = now
	}
	if !w.running {
		w.running = true
		w.writer.Add(1)
		go w.run()
	}
}

// close stops the writer and writes what is pending, so no time marked before is lost.
func (w *seenWriter) close(ctx context.Context) error {
	select {
	case <-w.closing:
	default:
		close(w.closing)
	}
	w.writer.Wait()
	_, err := w.flush(ctx)
	return err
}

// run flushes every flushEvery until a flush finds nothing pending or the writer is closed.
func (w *seenWriter) run() {
	defer w.writer.Done()
	for {
		select {
		case <-time.After(w.flushEvery):
		case <-w.closing:
			return // close flushes
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		n, err := w.flush(ctx)
		cancel()
		if err != nil {
			slog.Warn("write fans' last-seen times", "tokens", n, "err", err)
		}
		if n == 0 {
			return
		}
	}
}

// flush writes every pending time now and reports how many; with none pending it stops the
// writer (the next mark starts it again).
func (w *seenWriter) flush(ctx context.Context) (int, error) {
	w.mu.Lock()
	if len(w.pending) == 0 {
		w.running = false
		w.written = map[core.ID]time.Time{} // idle: nobody was seen for a whole flush
		w.mu.Unlock()
		return 0, nil
	}
	ids := make([]string, 0, len(w.pending))
	ats := make([]time.Time, 0, len(w.pending))
	var latest time.Time
	for id, at := range w.pending {
		ids, ats = append(ids, string(id)), append(ats, at)
		w.written[id] = at
		if at.After(latest) {
			latest = at
		}
	}
	w.pending = map[core.ID]time.Time{}
	for id, at := range w.written {
		if latest.Sub(at) >= w.resolution {
			delete(w.written, id) // mark no longer consults it
		}
	}
	w.mu.Unlock()
	if err := w.write(ctx, ids, ats); err != nil {
		w.retry(ids, ats)
		return len(ids), err
	}
	return len(ids), nil
}

// retry puts the times of a failed write back for the next flush, unless a later one came.
func (w *seenWriter) retry(ids []string, ats []time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, raw := range ids {
		id := core.ID(raw)
		delete(w.written, id)
		if later, ok := w.pending[id]; !ok || ats[i].After(later) {
			w.pending[id] = ats[i]
		}
	}
}
