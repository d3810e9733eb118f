package core

import (
	"context"
	"fmt"
	"time"
)

// Caller is who a request comes from, as proven by a verified token.
type Caller struct {
	TokenID ID
	UserID  UserID
	// Seq is the sequence number the token was signed with: 0 for an early token signed before
	// the opening draw gave it its place.
	Seq int64
}

// Access is what a request needs of the caller's token.
type Access int

const (
	// AccessQueued: a live token, waiting or active (wallet endpoints).
	AccessQueued Access = iota
	// AccessAdmitted: an active token (booking endpoints).
	AccessAdmitted
)

// TokenStatus is a token with where it stands in the queue.
type TokenStatus struct {
	Token QueueToken
	// Position is the number of fans ahead; 0 once active, and 0 for an early token before the
	// opening draw (nobody is ahead of it yet).
	Position      int64
	EstimatedWait time.Duration
	// OpensAt is the scheduled opening while the token's place is still to be drawn; zero
	// otherwise. A token awaiting the draw is signed with sequence number 0.
	OpensAt time.Time
	// Stalled says admission has not moved for a while (Queue.Stalled): the estimate is
	// MaxEstimate because nobody can tell.
	Stalled bool
}

// SignedSeq is the sequence number a token's JWT carries: 0 until its place is drawn.
func (s TokenStatus) SignedSeq() int64 {
	if !s.OpensAt.IsZero() {
		return 0
	}
	return s.Token.Seq
}

// IssueToken gives the user a queue token, or their live one again.
func (b *BoxOffice) IssueToken(ctx context.Context, rawUserID string) (TokenStatus, error) {
	user, err := ParseUserID(rawUserID)
	if err != nil {
		return TokenStatus{}, err
	}
	now := b.ports.Clock.Now()
	tok, err := b.ports.Tokens.IssueToken(ctx, user, now)
	if err != nil {
		return TokenStatus{}, fmt.Errorf("issue token: %w", err)
	}
	q, err := b.queueCounters(ctx)
	if err != nil {
		return TokenStatus{}, err
	}
	if q, err = b.countersFor(ctx, tok, q); err != nil {
		return TokenStatus{}, err
	}
	return b.status(tok, q, now), nil
}

// TokenStatus reports the caller's token and position; an expired token is ErrTokenExpired.
// A waiting token's position comes from its signed sequence number and the cached queue
// counters, without reading the token; the fan is marked seen.
func (b *BoxOffice) TokenStatus(ctx context.Context, c Caller) (TokenStatus, error) {
	now := b.ports.Clock.Now()
	tok, q, err := b.callerToken(ctx, c, now, false)
	if err != nil {
		return TokenStatus{}, err
	}
	return b.status(tok, q, now), nil
}

// Authorize checks that the caller's token gives the access a request needs. A waiting token
// asking for AccessAdmitted gets a *NotAdmittedError carrying its position.
func (b *BoxOffice) Authorize(ctx context.Context, c Caller, need Access) (QueueToken, error) {
	now := b.ports.Clock.Now()
	// Booking always reads the token: admission must be seen the moment it happens.
	tok, q, err := b.callerToken(ctx, c, now, need == AccessAdmitted)
	if err != nil {
		return QueueToken{}, err
	}
	if tok.State == TokenWaiting && need == AccessAdmitted {
		st := b.status(tok, q, now)
		return QueueToken{}, &NotAdmittedError{Position: st.Position, EstimatedWait: st.EstimatedWait, OpensAt: st.OpensAt, Stalled: st.Stalled}
	}
	return tok, nil
}

// callerToken is the caller's live token with the counters that place it: from the signed
// claims when they prove it waits (unless read is set), else read from the store. A waiting
// fan is marked seen.
func (b *BoxOffice) callerToken(ctx context.Context, c Caller, now time.Time, read bool) (QueueToken, Queue, error) {
	q, err := b.queueCounters(ctx)
	if err != nil {
		return QueueToken{}, Queue{}, err
	}
	tok, ok := waitingFromClaims(c, q)
	if !ok || read {
		if tok, err = b.liveToken(ctx, c, now); err != nil {
			return QueueToken{}, Queue{}, err
		}
		if q, err = b.countersFor(ctx, tok, q); err != nil {
			return QueueToken{}, Queue{}, err
		}
	}
	if tok.State == TokenWaiting {
		if err := b.ports.Tokens.MarkSeen(ctx, tok.ID, now); err != nil {
			return QueueToken{}, Queue{}, fmt.Errorf("mark fan seen: %w", err)
		}
	}
	return tok, q, nil
}

// waitingFromClaims answers from the signed claims alone when they prove the token waits:
// its sequence number is beyond the counters' AdmittedThrough (tokens leave the queue only in
// sequence order), or it is an early token and the draw has not happened. Stale counters can
// only make it say waiting for up to Policy.QueueRefresh after admission.
func waitingFromClaims(c Caller, q Queue) (QueueToken, bool) {
	tok := QueueToken{ID: c.TokenID, UserID: c.UserID, Seq: c.Seq, State: TokenWaiting}
	switch {
	case c.Seq > q.AdmittedThrough:
		return tok, true
	case c.Seq == 0 && !q.OpensAt.IsZero() && !q.Drawn:
		tok.Early = true
		return tok, true
	}
	return QueueToken{}, false
}

// countersFor returns counters that can place tok: an early token read from the store while
// the cached counters predate the opening being scheduled needs them read again, or it would
// be placed (and signed) by its provisional number.
func (b *BoxOffice) countersFor(ctx context.Context, tok QueueToken, q Queue) (Queue, error) {
	if tok.Early && !q.Drawn && q.OpensAt.IsZero() {
		return b.refreshQueue(ctx)
	}
	return q, nil
}

// OverdueHoldGrace is how long past its deadline a hold may stay held before the admission
// tick releases it itself: long enough for a payment accepted at the deadline to settle.
const OverdueHoldGrace = time.Minute

// overdueBatch bounds the holds one tick releases, so a backlog cannot make a tick slow.
const overdueBatch = 500

// AdmitNext runs one admission tick with the settings in force: it ends expired sessions; once
// the queue is open it draws the early fans' places if that is still to do, then admits up to
// a tick's batch of waiting fans in sequence order, skipping those not seen for
// Policy.AbandonAfter, keeping at most s.MaxActive admitted at once; it records what it
// measured and the settings, and releases holds overdue by more than OverdueHoldGrace (the
// safety net behind each hold's own workflow).
func (b *BoxOffice) AdmitNext(ctx context.Context, s AdmissionSettings) (AdmissionResult, error) {
	if err := s.Validate(); err != nil {
		return AdmissionResult{}, fmt.Errorf("admit: %w", err)
	}
	now := b.ports.Clock.Now()
	before, err := b.ports.Tokens.Queue(ctx)
	if err != nil {
		return AdmissionResult{}, fmt.Errorf("admit: read queue: %w", err)
	}
	res, err := b.ports.Tokens.Admit(ctx, AdmitRound{
		Batch: s.Batch(), MaxActive: s.MaxActive, Session: b.policy.SessionTTL,
		AbandonedBefore: now.Add(-b.policy.AbandonAfter), Now: now,
	})
	if err != nil {
		return AdmissionResult{}, fmt.Errorf("admit: %w", err)
	}
	measure := AdmissionMeasure{
		AdmitRate: nextAdmitRate(before, res, float64(s.AdmitRate), now),
		Moved:     res.Admitted > 0 || res.Waiting == 0 || !before.Open(now),
		Settings:  s,
		At:        now,
	}
	if err := b.ports.Tokens.RecordAdmission(ctx, measure); err != nil {
		return res, fmt.Errorf("record admission: %w", err)
	}
	if _, err := b.refreshQueue(ctx); err != nil {
		return res, err
	}
	if res.ReleasedHolds, err = b.ports.Reservations.ReleaseOverdue(ctx, now.Add(-OverdueHoldGrace), overdueBatch); err != nil {
		return res, fmt.Errorf("release overdue holds: %w", err)
	}
	return res, nil
}

// token reads the caller's token if it is one we issued to that user, live or not.
func (b *BoxOffice) token(ctx context.Context, c Caller) (QueueToken, error) {
	tok, err := b.ports.Tokens.Token(ctx, c.TokenID)
	if err != nil {
		return QueueToken{}, err
	}
	if tok.UserID != c.UserID {
		// A signed token whose subject disagrees with storage is not one we issued.
		return QueueToken{}, ErrTokenUnknown
	}
	return tok, nil
}

// liveToken reads the caller's token; it must be one we issued to that user and still live.
func (b *BoxOffice) liveToken(ctx context.Context, c Caller, now time.Time) (QueueToken, error) {
	tok, err := b.token(ctx, c)
	if err != nil {
		return QueueToken{}, err
	}
	if !tok.Live(now) {
		return QueueToken{}, ErrTokenExpired
	}
	return tok, nil
}

// status places a token in the queue q.
func (b *BoxOffice) status(tok QueueToken, q Queue, now time.Time) TokenStatus {
	switch {
	case tok.State != TokenWaiting:
		return TokenStatus{Token: tok}
	case q.AwaitingDraw(tok):
		// Before the draw every early fan stands in the same place.
		return TokenStatus{Token: tok, EstimatedWait: max(0, q.OpensAt.Sub(now)).Round(time.Second), OpensAt: q.OpensAt}
	}
	ahead := max(0, tok.Seq-1-q.AdmittedThrough)
	return TokenStatus{Token: tok, Position: ahead, EstimatedWait: b.estimateWait(q, ahead, now), Stalled: q.Stalled(now)}
}
