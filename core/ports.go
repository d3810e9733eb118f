package core

import (
	"context"
	"time"
)

// Driven ports. adapters/memory implements all of them; adapters/postgres implements the
// stores; adapters/temporal implements ReservationLifecycle. core/porttest holds the contract
// every implementation must pass.

// TokenStore keeps the waiting room: one queue whose tokens are numbered without gaps and
// leave it strictly in sequence order (see Queue).
type TokenStore interface {
	// IssueToken returns the user's live (waiting or active) token, or creates a waiting one
	// with the next sequence number, last seen at now. Concurrent calls for one user return the
	// same token. A token issued before a scheduled opening is Early.
	IssueToken(ctx context.Context, user UserID, now time.Time) (QueueToken, error)
	// Token returns a token by id, or ErrTokenUnknown.
	Token(ctx context.Context, id ID) (QueueToken, error)
	// Queue returns the queue's counters.
	Queue(ctx context.Context) (Queue, error)
	// MarkSeen records that the fan of a waiting token was still there at now. Adapters may
	// coalesce these writes and delay them by seconds; it never changes a token's state.
	MarkSeen(ctx context.Context, id ID, now time.Time) error
	// Admit runs one admission round: it expires active tokens whose session ended; then, if
	// the queue is open at r.Now, it closes the pre-queue and draws the early tokens' places
	// (DrawOrder with the queue's seed) if that is still to do, and takes waiting tokens in
	// sequence order, expiring those last seen before r.AbandonedBefore and activating the
	// others, up to r.Batch activations and r.MaxActive active tokens. It takes a prefix of the
	// waiting tokens, in one statement whatever the batch; an adapter may bound how many
	// abandoned tokens past the batch one round clears.
	Admit(ctx context.Context, r AdmitRound) (AdmissionResult, error)
	// RecordAdmission stores what an admission round measured and the settings it ran with.
	RecordAdmission(ctx context.Context, m AdmissionMeasure) error
	// RecordSettings stores the settings in force, unless a later revision is recorded already.
	RecordSettings(ctx context.Context, s AdmissionSettings) error
	// ScheduleOpening sets when the queue opens and the seed of its draw; it can be moved until
	// then. Tokens issued before it are early. ErrQueueOpen once the pre-queue has closed, anyone
	// was admitted, or tokens were issued with no opening scheduled (first come, first served).
	ScheduleOpening(ctx context.Context, at time.Time, seed int64) error
	// QueueStats reads the counters with the active count and the oldest waiting token.
	QueueStats(ctx context.Context) (QueueStats, error)
}

// AdmissionControl steers the admission loop that admits fans tick after tick. In production
// it is the admission workflow, changed by update.
type AdmissionControl interface {
	// AdmissionSettings returns the rate and ceiling the loop runs with.
	AdmissionSettings(ctx context.Context) (AdmissionSettings, error)
	// ChangeAdmission applies c to the running settings from the next tick and returns the
	// settings that now apply.
	ChangeAdmission(ctx context.Context, c AdmissionChange) (AdmissionSettings, error)
}

// Catalog holds performances and what fans see of their seats.
type Catalog interface {
	// AddPerformance creates a performance and its seats 1..p.Seats; adding an existing date
	// again changes nothing.
	AddPerformance(ctx context.Context, p Performance) error
	// Performance returns one performance, or ErrUnknownDate.
	Performance(ctx context.Context, d Date) (Performance, error)
	// OpenDates lists, in order, the dates from `from` on with at least one available seat at now.
	OpenDates(ctx context.Context, from Date, now time.Time) ([]Date, error)
	// Seats lists every seat of a date in seat order with its status at now.
	Seats(ctx context.Context, d Date, now time.Time) ([]Seat, error)
}

// ReservationStore is where seats are held, released and sold. The seat decides races: one
// conditional write per attempt, the winner takes it and every loser gets ErrSeatTaken.
type ReservationStore interface {
	// HoldSeat creates r (status held) if the seat is available at now (free, or held past its
	// deadline); otherwise ErrSeatTaken. A hold it supersedes is marked released. A user who
	// already has maxHolds live holds gets *TooManyHoldsError, exactly, however many race.
	HoldSeat(ctx context.Context, r Reservation, now time.Time, maxHolds int) error
	// Reservation returns one reservation, or ErrUnknownTicket.
	Reservation(ctx context.Context, id ID) (Reservation, error)
	// ReleaseHold marks a held reservation released and frees its seat if it still holds it.
	// It reports whether anything changed; releasing twice is harmless.
	ReleaseHold(ctx context.Context, id ID) (bool, error)
	// SettlePayment performs a Settlement atomically. Settling a reservation that is already
	// paid returns its receipt and changes nothing. Errors: ErrUnknownTicket, ErrNotYourTicket,
	// ErrHoldExpired (released, or the seat was taken by a later hold), ErrInsufficientBalance,
	// ErrIdempotencyMismatch (the key paid for another reservation).
	SettlePayment(ctx context.Context, s Settlement) (Receipt, error)
	// Receipt returns the receipt of a paid reservation, or ErrUnknownTicket.
	Receipt(ctx context.Context, reservation ID) (Receipt, error)
	// PaymentByKey returns the reservation the user paid for with an idempotency key, if any.
	PaymentByKey(ctx context.Context, user UserID, key IdempotencyKey) (ID, bool, error)
	// ReleaseOverdue releases up to limit holds whose deadline is before cutoff, as ReleaseHold
	// would, and returns how many it released.
	ReleaseOverdue(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// WalletStore keeps prepaid balances and their ledger.
type WalletStore interface {
	// Charge adds amount to the user's balance (creating the wallet) and records it in the
	// ledger, atomically; it returns the new balance. With a key, a charge the user already made
	// with it returns the balance that charge produced and changes nothing; the same key with
	// another amount is ErrIdempotencyMismatch; a concurrent duplicate either replays or gets
	// ErrRequestInFlight, and is never credited.
	Charge(ctx context.Context, user UserID, amount Amount, key IdempotencyKey, now time.Time) (Amount, error)
	// Balance returns the user's balance; a user who never charged has 0.
	Balance(ctx context.Context, user UserID) (Amount, error)
}

// RequestLocks lets one request at a time run under an idempotency key in this process;
// duplicates on other instances are made harmless by the stores and the workflows.
type RequestLocks interface {
	// TryLock takes the lock of the user's key if nobody holds it; release gives it back.
	TryLock(ctx context.Context, user UserID, key IdempotencyKey) (release func(), ok bool, err error)
}

// ReservationLifecycle runs each hold in time: it releases the seat at the deadline unless
// the hold is paid first, and it performs the payment. In production it is a Temporal workflow.
type ReservationLifecycle interface {
	// StartHold begins timing a new hold. It must be called once the hold is stored.
	StartHold(ctx context.Context, r Reservation) error
	// Pay settles a hold for its owner and returns the receipt. It fails with ErrHoldExpired
	// after the deadline and with ErrInsufficientBalance, leaving the hold in place, when the
	// wallet cannot cover it. The key, if any, is recorded with the payment.
	Pay(ctx context.Context, reservation ID, user UserID, key IdempotencyKey) (Receipt, error)
}

// Clock tells the time; tests control it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC, at the microsecond precision PostgreSQL stores, so a
// time read back from any store equals the one written.
type SystemClock struct{}

// Now returns the current time in UTC, truncated to the microsecond.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
