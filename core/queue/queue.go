package queue

import (
	"slices"
	"time"
)

// Queue is the waiting room's counters, one small read. Tokens are numbered 1..LastSeq without
// gaps and are admitted (or skipped as abandoned) strictly in sequence order, so the tokens
// numbered AdmittedThrough+1..LastSeq are the waiting ones, less those whose fans left the
// queue (Left), and a waiting token's position is Seq-1-AdmittedThrough less the leavers ahead
// of it: arithmetic and a binary search, no count.
type Queue struct {
	LastSeq         int64
	AdmittedThrough int64
	// Left are the numbers, in order, of the tokens above AdmittedThrough whose fans left the
	// queue while they waited (DELETE /api/token): nobody waits for them.
	Left []int64
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
	Settings Settings
	// Asleep says the last admission round found nobody waiting: the loop runs nothing until a
	// fan who joins (or still waits) wakes it (Loop.Wake).
	Asleep bool
}

// Waiting is how many tokens wait.
func (q Queue) Waiting() int64 {
	return q.LastSeq - q.AdmittedThrough - q.leftBetween(q.AdmittedThrough, q.LastSeq+1)
}

// leftBetween counts the leavers numbered above from and below to.
func (q Queue) leftBetween(from, to int64) int64 {
	lo, _ := slices.BinarySearch(q.Left, from+1)
	hi, _ := slices.BinarySearch(q.Left, to)
	return int64(max(0, hi-lo))
}

// MayBeAsleep reports whether the admission loop sleeps, or may have fallen asleep since these
// counters were read (they may be Policy.Refresh old): they say it sleeps, or no more fans wait
// than one round may admit (MaxCatchUp of the rate), so the queue may be empty now. A wake of a
// loop that runs costs one signal and nothing else.
func (q Queue) MayBeAsleep() bool {
	return q.Asleep || q.Waiting() <= int64(q.Settings.AdmitRate)*int64(MaxCatchUp/time.Second)
}

// HasLeft reports whether the token numbered seq left the queue while it waited.
func (q Queue) HasLeft(seq int64) bool {
	_, found := slices.BinarySearch(q.Left, seq)
	return found && seq > q.AdmittedThrough
}

// Open reports whether admission may run at now: no opening is scheduled or it has come.
func (q Queue) Open(now time.Time) bool { return q.OpensAt.IsZero() || !now.Before(q.OpensAt) }

// AwaitingDraw reports whether tok's place is not drawn yet.
func (q Queue) AwaitingDraw(tok Token) bool { return tok.Early && !q.Drawn }

// Ahead is how many fans wait ahead of a waiting token, as the numbering makes it arithmetic:
// those numbered between the watermark and it, less those who left.
func (q Queue) Ahead(tok Token) int64 {
	return max(0, tok.Seq-1-q.AdmittedThrough-q.leftBetween(q.AdmittedThrough, tok.Seq))
}

// Schedulable reports whether an opening may be set: the pre-queue has not closed, nobody was
// admitted, and no token was issued first come, first served.
func (q Queue) Schedulable() bool {
	return !q.Closed && q.AdmittedThrough == 0 && (!q.OpensAt.IsZero() || q.LastSeq == 0)
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

// Stats is what operators watch during a sale.
type Stats struct {
	Queue  // Waiting() counts the fans waiting
	Active int64
	// OldestIssuedAt is when the token at the head of the queue was issued; zero if none waits.
	OldestIssuedAt time.Time
}
