package queue

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

// Store keeps the waiting rooms: a queue per sale whose tokens are numbered without gaps and
// leave it strictly in sequence order (see Queue). Sales never share a lock.
type Store interface {
	// IssueToken returns the user's live (waiting or active) token in the sale's queue, or
	// creates a waiting one with the queue's next sequence number, last seen at now. Concurrent
	// calls for one user and sale return the same token. A token issued before a scheduled
	// opening is Early. A queue the sale has not used yet starts empty.
	IssueToken(ctx context.Context, sale core.SaleID, user core.UserID, now time.Time) (Token, error)
	// IssueTokenWithPass is IssueToken through the sale's door, in one transaction. First it
	// spends pass.Proof, if any: a solution spent before is entry.ErrSpent, and nothing is
	// issued; of racing issues with one solution, exactly one spends it. Then it returns the
	// user's live token, redeeming nothing; otherwise, outside a presale, it issues one; in a
	// presale it redeems one use of pass.Code and issues one (a fan who redeemed the code before
	// takes no second use: entry.AccessCode.Readmits decides), or issues nothing and answers the
	// *entry.CodeError of entry.AccessCode.Redeemable or Readmits, entry.ErrUnknownCode or, for
	// an empty code, entry.ErrNoCode; the solution stays spent. Racing redemptions of one code
	// never take more than its uses. Spent solutions past their expiry may be forgotten.
	IssueTokenWithPass(ctx context.Context, sale core.SaleID, user core.UserID, pass entry.Pass, now time.Time) (Token, error)
	// LiveToken returns the user's live (waiting or active at now) token in the sale's queue,
	// or ErrTokenUnknown.
	LiveToken(ctx context.Context, sale core.SaleID, user core.UserID, now time.Time) (Token, error)
	// Token returns a token by id, or ErrTokenUnknown.
	Token(ctx context.Context, id core.ID) (Token, error)
	// Queue returns the sale's queue counters (zero for a queue not used yet).
	Queue(ctx context.Context, sale core.SaleID) (Queue, error)
	// Leave ends a live token (waiting or active) at now because its fan left: a waiting one's
	// number joins its queue's Left, so the fans behind it move up, and an active one frees its
	// place under the ceiling. ErrTokenExpired for a token no longer live, ErrTokenUnknown.
	Leave(ctx context.Context, id core.ID, now time.Time) (Token, error)
	// MarkSeen records that the fan of a waiting token was still there at now. Adapters may
	// coalesce these writes and delay them by seconds; it never changes a token's state.
	MarkSeen(ctx context.Context, id core.ID, now time.Time) error
	// Admit runs one admission round of the sale's queue: it expires active tokens whose session
	// ended; then, if the queue is open at r.Now, it closes the pre-queue and draws the early
	// tokens' places (DrawOrder with the queue's seed) if that is still to do, and takes waiting
	// tokens in sequence order, expiring those r.Abandoned and activating the others, up to
	// r.Room activations. It takes a prefix of the waiting tokens, in one statement whatever the
	// batch; an adapter may bound how many abandoned tokens past the batch one round clears.
	Admit(ctx context.Context, sale core.SaleID, r Round) (Result, error)
	// RecordAdmission stores what an admission round measured and the settings it ran with.
	RecordAdmission(ctx context.Context, sale core.SaleID, m Measure) error
	// RecordSettings stores the settings in force, unless a later revision is recorded already.
	RecordSettings(ctx context.Context, sale core.SaleID, s Settings) error
	// ScheduleOpening sets when the queue opens and the seed of its draw; it can be moved until
	// then. Tokens issued before it are early. ErrQueueOpen unless the queue is Schedulable.
	ScheduleOpening(ctx context.Context, sale core.SaleID, at time.Time, seed int64) error
	// QueueStats reads the counters with the active count and the oldest waiting token.
	QueueStats(ctx context.Context, sale core.SaleID) (Stats, error)
}

// Loop is the admission loop that admits a sale's fans tick after tick. In production it is a
// workflow per sale, changed by update.
type Loop interface {
	// Start starts the sale's loop with s unless it runs already (it then keeps its settings).
	Start(ctx context.Context, sale core.SaleID, s Settings) error
	// Settings returns the settings the sale's loop runs with.
	Settings(ctx context.Context, sale core.SaleID) (Settings, error)
	// Change applies c to the running settings from the next tick and returns the settings
	// that now apply. Concurrent changes all apply.
	Change(ctx context.Context, sale core.SaleID, c Change) (Settings, error)
	// Wake rouses a sale's loop that sleeps because nobody waited (Queue.Asleep): a fan joined,
	// or the sale changed. It never blocks its caller: a fan's request does not wait on the
	// loop's engine, and wakes asked for together may be sent as one.
	Wake(sale core.SaleID)
}

// Sales tell which sale a fan means and where it stands. The catalog's Directory is one.
type Sales interface {
	// Default is the sale the seed's endpoints mean when they name none.
	Default(ctx context.Context) (core.SaleID, error)
	// Status is the sale's state and whether it is sold out, from a copy up to a second old;
	// core.ErrUnknownSale for one that does not exist.
	Status(ctx context.Context, sale core.SaleID) (core.SaleStatus, error)
	// State is the sale's state read now: what an admission round goes by, so a pause stops
	// admission from the next tick.
	State(ctx context.Context, sale core.SaleID) (core.SaleState, error)
}

// Counters are the queue counters positions are computed from. Copy may answer from a copy kept
// in process, at most Policy.Refresh old (adapters/cache, through app.Ports.Copies); Read reads
// the store, and a copy keeps what it read; Cached lists, without a read, the counters of each
// sale read within maxAge. StoreCounters reads the store every time and keeps nothing.
type Counters interface {
	Copy(ctx context.Context, sale core.SaleID) (Queue, error)
	Read(ctx context.Context, sale core.SaleID) (Queue, error)
	Cached(maxAge time.Duration) map[core.SaleID]Queue
}

// Door checks a join against its sale's entry rules before a token is issued (entry.Door).
type Door interface {
	// Check lets the join through, with the pass the issue takes, or says why not.
	Check(ctx context.Context, k entry.Knock) (entry.Pass, error)
	// Refused hears of a join refused, at the door or by the store's issue (a spent solution, a
	// presale code), and returns err; other errors pass unheard.
	Refused(sale core.SaleID, err error) error
	// ReturnQuota gives back the count Check took of a join that got no new token.
	ReturnQuota(ctx context.Context, k entry.Knock, p entry.Pass)
}

// openDoor lets every join in: the queue of a service composed without a door.
type openDoor struct{}

func (openDoor) Check(context.Context, entry.Knock) (entry.Pass, error) { return entry.Pass{}, nil }
func (openDoor) Refused(_ core.SaleID, err error) error                 { return err }
func (openDoor) ReturnQuota(context.Context, entry.Knock, entry.Pass)   {}
