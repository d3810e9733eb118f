package core

import (
	"context"
	"sync"
)

// Idempotency, in one place. A client names a request with an Idempotency-Key so that retrying
// it changes nothing twice: the same key with the same request answers as the first time did,
// the same key with another request is ErrIdempotencyMismatch, and a retry while the first is
// still running is ErrRequestInFlight. Exactly-once rests on the stores alone: each records the
// key on the row the request creates, unique per user, in the same transaction. KeyedRequests
// only turns a duplicate that arrives mid-request into a prompt "retry" instead of a race.

// IdempotencyKey names one client request. Empty means the request carries none.
type IdempotencyKey string

// MaxIdempotencyKeyLength is the longest key accepted.
const MaxIdempotencyKeyLength = 255

// IdempotencyKeyPattern is the key's alphabet, visible ASCII, as a regular expression for
// schemas; ParseIdempotencyKey checks the same.
const IdempotencyKeyPattern = "^[!-~]*$"

// ParseIdempotencyKey validates an Idempotency-Key header: empty, or 1 to 255 visible ASCII
// characters.
func ParseIdempotencyKey(s string) (IdempotencyKey, error) {
	if len(s) > MaxIdempotencyKeyLength {
		return "", InvalidField("Idempotency-Key", "must be at most %d characters", MaxIdempotencyKeyLength)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "", InvalidField("Idempotency-Key", "must be visible ASCII characters (a UUID is a good key)")
		}
	}
	return IdempotencyKey(s), nil
}

// Idempotency errors.
var (
	ErrRequestInFlight     = Classed(ErrConflict, "a request with this Idempotency-Key is still being processed; retry in a moment for its answer")
	ErrIdempotencyMismatch = Classed(ErrUnprocessable, "this Idempotency-Key was used for a different request; use a new key for a new request")
)

// KeyedRequests are the keyed requests running in this process. The zero value is ready.
type KeyedRequests struct {
	mu      sync.Mutex
	running map[userKey]bool
}

type userKey struct {
	user UserID
	key  IdempotencyKey
}

// Begin marks the user's key as running and returns the function that ends it; ok is false if
// a request with that key is running already.
func (r *KeyedRequests) Begin(user UserID, key IdempotencyKey) (end func(), ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := userKey{user, key}
	if r.running[k] {
		return nil, false
	}
	if r.running == nil {
		r.running = map[userKey]bool{}
	}
	r.running[k] = true
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.running, k)
	}, true
}

// Once runs f as the only request of the user's key running here; a second one meanwhile gets
// ErrRequestInFlight. Without a key it just runs f.
func Once[T any](ctx context.Context, r *KeyedRequests, user UserID, key IdempotencyKey, f func(context.Context) (T, error)) (T, error) {
	if key == "" {
		return f(ctx)
	}
	end, ok := r.Begin(user, key)
	if !ok {
		var zero T
		return zero, ErrRequestInFlight
	}
	defer end()
	return f(ctx)
}
