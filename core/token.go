package core

import (
	"fmt"
	"time"
)

// TokenState is where a queue token is in its life: waiting → active → expired.
type TokenState struct{ name string }

// Token states.
var (
	TokenWaiting = TokenState{"waiting"}
	TokenActive  = TokenState{"active"}
	TokenExpired = TokenState{"expired"}
)

// ParseTokenState rebuilds a state from storage.
func ParseTokenState(s string) (TokenState, error) {
	for _, st := range []TokenState{TokenWaiting, TokenActive, TokenExpired} {
		if st.name == s {
			return st, nil
		}
	}
	return TokenState{}, fmt.Errorf("unknown token state %q", s)
}

func (s TokenState) String() string { return s.name }

// QueueToken is a fan's place in the waiting room.
type QueueToken struct {
	ID     ID
	UserID UserID
	// Seq is the queue sequence number, the FIFO order: gap-free and increasing in issue order,
	// except that the draw at a scheduled opening shuffles the numbers of the early tokens.
	Seq   int64
	State TokenState
	// Early marks a token issued before the queue's scheduled opening: its place is drawn at
	// random when the sale opens, and Seq is only provisional until then.
	Early      bool
	IssuedAt   time.Time
	AdmittedAt time.Time // zero while waiting
	// ExpiresAt is when an active token's session ends; zero while waiting.
	ExpiresAt time.Time
}

// Live reports whether the token is waiting or active at now. An active token past its
// session end is no longer live even before the admission tick marks it expired.
func (t QueueToken) Live(now time.Time) bool {
	switch t.State {
	case TokenWaiting:
		return true
	case TokenActive:
		return now.Before(t.ExpiresAt)
	default:
		return false
	}
}

// Queue is the waiting room's counters, one small read. Tokens are numbered 1..LastSeq without
// gaps and leave the queue (admitted, or skipped as abandoned) strictly in sequence order, so the
// waiting tokens are exactly those numbered AdmittedThrough+1..LastSeq and a waiting token's
// position is Seq-1-AdmittedThrough, with no count.
type Queue struct {
	LastSeq         int64
	AdmittedThrough int64
	// OpensAt is a scheduled opening; zero when the queue is FIFO from its first token.
	OpensAt time.Time
	// DrawSeed seeds the shuffle of the early tokens at the opening; it is recorded so the
	// draw can be reproduced.
	DrawSeed int64
	// EarlyThrough is set when the pre-queue closes (the first issue or tick at or after
	// OpensAt): tokens 1..EarlyThrough are the early ones.
	EarlyThrough int64
	Closed       bool
	Drawn        bool
	// AdmitRate is the measured admission rate in fans per second, a moving average over the
	// ticks that had fans waiting; RateAt is when it was last updated (zero before the first).
	AdmitRate      float64
	RateAt         time.Time
	AdmittedTotal  int64
	AbandonedTotal int64
	// MovedAt is when an admission round last admitted someone, found nobody waiting or found
	// the queue not open yet; zero before the first round.
	MovedAt time.Time
	// Settings are the admission settings in force, as last recorded; zero before any was.
	Settings AdmissionSettings
}

// StallAfter is how long admission may stand still while fans wait before estimates say it
// has stalled (at least three ticks): the ceiling is full and nobody leaves, or no admission
// loop runs.
const StallAfter = 10 * time.Second

// Stalled reports whether fans wait in an open queue that admission has not moved for a while.
func (q Queue) Stalled(now time.Time) bool {
	if q.Waiting() == 0 || q.MovedAt.IsZero() || !q.Open(now) || (!q.OpensAt.IsZero() && !q.Drawn) {
		return false
	}
	return now.Sub(q.MovedAt) > max(StallAfter, 3*q.Settings.Tick)
}

// Waiting is how many tokens wait.
func (q Queue) Waiting() int64 { return q.LastSeq - q.AdmittedThrough }

// Open reports whether admission may run at now: no opening is scheduled or it has come.
func (q Queue) Open(now time.Time) bool { return q.OpensAt.IsZero() || !now.Before(q.OpensAt) }

// AwaitingDraw reports whether tok's place is not drawn yet.
func (q Queue) AwaitingDraw(tok QueueToken) bool { return tok.Early && !q.Drawn }

// QueueStats is what operators watch during a sale.
type QueueStats struct {
	Queue  // Waiting() counts the fans waiting
	Active int64
	// OldestIssuedAt is when the token at the head of the queue was issued; zero if none waits.
	OldestIssuedAt time.Time
}

// AdmitRound is what one admission tick is asked to do.
type AdmitRound struct {
	Batch     int           // most fans to admit
	MaxActive int           // ceiling on active tokens after the round
	Session   time.Duration // session length of the fans admitted
	// AbandonedBefore: a waiting token last seen before it is skipped and expired, not admitted.
	AbandonedBefore time.Time
	Now             time.Time
}

// AdmissionMeasure is what an admission round records of itself.
type AdmissionMeasure struct {
	AdmitRate float64 // the measured rate, fans per second, as a moving average
	// Moved: the round admitted someone, found nobody waiting or found the queue not open.
	Moved    bool
	Settings AdmissionSettings // the settings the round ran with
	At       time.Time
}

// AdmissionResult is what one admission tick did.
type AdmissionResult struct {
	Expired       int   // active tokens whose session ended
	Admitted      int   // waiting tokens made active, in sequence order
	Abandoned     int   // waiting tokens skipped and expired because their fans left
	Drawn         int   // early tokens shuffled by the opening draw this tick
	Waiting       int64 // tokens still waiting after the round
	ReleasedHolds int   // holds long overdue whose own release never ran
}
