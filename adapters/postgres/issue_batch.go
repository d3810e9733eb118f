package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// issueBatcher coalesces concurrent token issues, whatever their sales, into one transaction
// per batch (group commit): a request joins the pending batch, and one flusher at a time takes
// everything pending and issues it together. Under a rush the batch grows with the load, so
// neither a sale's queue lock, taken once per batch, nor the commit is the bottleneck, and fans
// spread over many sales cost no more commits than fans of one; an idle service flushes a lone
// request at once.
type issueBatcher struct {
	flush func(ctx context.Context, reqs []*issueRequest) error

	mu      sync.Mutex
	pending []*issueRequest
	running bool
	closed  bool
	flushes sync.WaitGroup // the running flusher, if any
}

// errStoreClosed answers an issue that arrives after Close.
var errStoreClosed = errors.New("the store is closed")

// maxIssueBatch bounds one transaction; more pending requests wait for the next.
const maxIssueBatch = 1000

// issueFlushTimeout bounds a batch's transaction, which no single request's context owns.
const issueFlushTimeout = 10 * time.Second

type issueRequest struct {
	sale core.SaleID
	user core.UserID
	now  time.Time
	done chan issueResult // buffered: the flusher never blocks on a caller that left
}

type issueResult struct {
	tok queue.Token
	err error
}

// issue queues a request and waits for its batch.
func (b *issueBatcher) issue(ctx context.Context, sale core.SaleID, user core.UserID, now time.Time) (queue.Token, error) {
	req := &issueRequest{sale: sale, user: user, now: now, done: make(chan issueResult, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return queue.Token{}, errStoreClosed
	}
	b.pending = append(b.pending, req)
	if !b.running {
		b.running = true
		b.flushes.Add(1)
		go b.run()
	}
	b.mu.Unlock()
	select {
	case r := <-req.done:
		return r.tok, r.err
	case <-ctx.Done():
		// The token may still be issued; asking again returns it.
		return queue.Token{}, ctx.Err()
	}
}

// close refuses new issues and waits for the batches pending to be flushed.
func (b *issueBatcher) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.flushes.Wait()
}

// run flushes batches until nothing is pending.
func (b *issueBatcher) run() {
	defer b.flushes.Done()
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
