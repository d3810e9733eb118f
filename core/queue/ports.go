package queue

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store keeps the waiting room: one queue whose tokens are numbered without gaps and leave it
// strictly in sequence order (see Queue).
type Store interface {
	// IssueToken returns the user's live (waiting or active) token, or creates a waiting one
	// with the next sequence number, last seen at now. Concurrent calls for one user return the
	// same token. A token issued before a scheduled opening is Early.
	IssueToken(ctx context.Context, user core.UserID, now time.Time) (Token, error)
	// Token returns a token by id, or ErrTokenUnknown.
	Token(ctx context.Context, id core.ID) (Token, error)
	// Queue returns the queue's counters.
	Queue(ctx context.Context) (Queue, error)
	// MarkSeen records that the fan of a waiting token was still there at now. Adapters may
	// coalesce these writes and delay them by seconds; it never changes a token's state.
	MarkSeen(ctx context.Context, id core.ID, now time.Time) error
	// Admit runs one admission round: it expires active tokens whose session ended; then, if
	// the queue is open at r.Now, it closes the pre-queue and draws the early tokens' places
	// (DrawOrder with the queue's seed) if that is still to do, and takes waiting tokens in
	// sequence order, expiring those r.Abandoned and activating the others, up to r.Room
	// activations. It takes a prefix of the waiting tokens, in one statement whatever the
	// batch; an adapter may bound how many abandoned tokens past the batch one round clears.
	Admit(ctx context.Context, r Round) (Result, error)
	// RecordAdmission stores what an admission round measured and the settings it ran with.
	RecordAdmission(ctx context.Context, m Measure) error
	// RecordSettings stores the settings in force, unless a later revision is recorded already.
	RecordSettings(ctx context.Context, s Settings) error
	// ScheduleOpening sets when the queue opens and the seed of its draw; it can be moved until
	// then. Tokens issued before it are early. ErrQueueOpen unless the queue is Schedulable.
	ScheduleOpening(ctx context.Context, at time.Time, seed int64) error
	// QueueStats reads the counters with the active count and the oldest waiting token.
	QueueStats(ctx context.Context) (Stats, error)
}

// Loop is the admission loop that admits fans tick after tick. In production it is the
// admission workflow, changed by update.
type Loop interface {
	// Settings returns the settings the loop runs with.
	Settings(ctx context.Context) (Settings, error)
	// Change applies c to the running settings from the next tick and returns the settings
	// that now apply. Concurrent changes all apply.
	Change(ctx context.Context, c Change) (Settings, error)
}
