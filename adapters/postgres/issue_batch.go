package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// batcher coalesces concurrent requests into one transaction per batch (group commit): a
// request joins the pending batch, and one flusher at a time takes everything pending and
// flushes it together. Under a rush the batch grows with the load, so neither a lock taken once
// per batch nor the commit is the bottleneck; an idle service flushes a lone request at once.
// Token issues go through one, whatever their sales: fans spread over many sales cost no more
// commits than fans of one.
type batcher[In, Out any] struct {
	// flush answers each request of a batch (answer), or returns an error that answers them all.
	flush func(ctx context.Context, reqs []*batched[In, Out]) error

	mu      sync.Mutex
	pending []*batched[In, Out]
	running bool
	closed  bool
	flushes sync.WaitGroup // the running flusher, if any
}

// batched is one request in a batch.
type batched[In, Out any] struct {
	in   In
	done chan batchResult[Out] // buffered: the flusher never blocks on a caller that left
}

type batchResult[Out any] struct {
	out Out
	err error
}

// answer gives the request its result.
func (r *batched[In, Out]) answer(out Out, err error) { r.done <- batchResult[Out]{out, err} }

// issueArgs are a token issue's, with the solution it spends if its sale asks one.
type issueArgs struct {
	sale  core.SaleID
	user  core.UserID
	now   time.Time
	proof *entry.Solution
	code  string // a presale join's access code, normalised
}

// issueBatcher batches token issues; issueRequest is one of them.
type (
	issueBatcher = batcher[issueArgs, queue.Token]
	issueRequest = batched[issueArgs, queue.Token]
)

// errStoreClosed answers a request that arrives after Close.
var errStoreClosed = errors.New("the store is closed")

// maxBatch bounds one transaction; more pending requests wait for the next.
const maxBatch = 1000

// flushTimeout bounds a batch's transaction, which no single request's context owns.
const flushTimeout = 10 * time.Second

// do queues a request and waits for its batch.
func (b *batcher[In, Out]) do(ctx context.Context, in In) (Out, error) {
	var zero Out
	req := &batched[In, Out]{in: in, done: make(chan batchResult[Out], 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return zero, errStoreClosed
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
		return r.out, r.err
	case <-ctx.Done():
		// The request may still be flushed; a token issue asked again returns the token.
		return zero, ctx.Err()
	}
}

// close refuses new requests and waits for the batches pending to be flushed.
func (b *batcher[In, Out]) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.flushes.Wait()
}

// run flushes batches until nothing is pending.
func (b *batcher[In, Out]) run() {
	defer b.flushes.Done()
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxBatch)
		if n == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		if err := b.flush(ctx, batch); err != nil {
			for _, r := range batch {
				var zero Out
				r.answer(zero, err)
			}
		}
		cancel()
	}
}
