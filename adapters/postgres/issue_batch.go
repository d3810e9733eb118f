package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// issueBatcher coalesces concurrent token issues into one transaction per batch (group
// commit): a request joins the pending batch, and one flusher at a time takes everything
// pending and issues it together. Under a rush the batch grows with the load, so the queue
// lock, taken once per batch, is never the bottleneck; an idle service flushes a lone request
// at once.
type issueBatcher struct {
	flush func(ctx context.Context, reqs []*issueRequest) error

	mu      sync.Mutex
	pending []*issueRequest
	running bool
}

// maxIssueBatch bounds one transaction; more pending requests wait for the next.
const maxIssueBatch = 1000

// issueFlushTimeout bounds a batch's transaction, which no single request's context owns.
const issueFlushTimeout = 10 * time.Second

type issueRequest struct {
	user core.UserID
	now  time.Time
	done chan issueResult // buffered: the flusher never blocks on a caller that left
}

type issueResult struct {
	tok core.QueueToken
	err error
}

// issue queues a request and waits for its batch.
func (b *issueBatcher) issue(ctx context.Context, user core.UserID, now time.Time) (core.QueueToken, error) {
	req := &issueRequest{user: user, now: now, done: make(chan issueResult, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, req)
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		go b.run()
	}
	select {
	case r := <-req.done:
		return r.tok, r.err
	case <-ctx.Done():
		// The token may still be issued; asking again returns it.
		return core.QueueToken{}, ctx.Err()
	}
}

// run flushes batches until nothing is pending.
func (b *issueBatcher) run() {
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxIssueBatch)
		if n == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), issueFlushTimeout)
		if err := b.flush(ctx, batch); err != nil {
			for _, r := range batch {
				r.done <- issueResult{err: err}
			}
		}
		cancel()
	}
}
