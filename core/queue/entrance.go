package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Entrance is what fans pass through: they take a token, follow their place, and prove to the
// other contexts that they are in the queue or admitted.
type Entrance struct {
	store  Store
	clock  core.Clock
	policy Policy
	view   *view
}

// Status is a token with where it stands in the queue.
type Status struct {
	Token Token
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
func (s Status) SignedSeq() int64 {
	if !s.OpensAt.IsZero() {
		return 0
	}
	return s.Token.Seq
}

// Issue gives the user a queue token, or their live one again.
func (e *Entrance) Issue(ctx context.Context, rawUserID string) (Status, error) {
	user, err := core.ParseUserID(rawUserID)
	if err != nil {
		return Status{}, err
	}
	now := e.clock.Now()
	tok, err := e.store.IssueToken(ctx, user, now)
	if err != nil {
		return Status{}, fmt.Errorf("issue token: %w", err)
	}
	q, err := e.view.counters(ctx)
	if err != nil {
		return Status{}, err
	}
	if q, err = e.countersFor(ctx, tok, q); err != nil {
		return Status{}, err
	}
	return e.status(tok, q, now), nil
}

// Status reports the caller's token and position; an expired token is ErrTokenExpired. A
// waiting token's position comes from its signed sequence number and the cached queue counters,
// without reading the token; the fan is marked seen.
func (e *Entrance) Status(ctx context.Context, c core.Caller) (Status, error) {
	now := e.clock.Now()
	tok, q, err := e.callerToken(ctx, c, now, false)
	if err != nil {
		return Status{}, err
	}
	return e.status(tok, q, now), nil
}

// Admitted checks that the caller's token is active and returns whose it is. A waiting token
// gets a *NotAdmittedError carrying its position. The token is always read: admission must be
// seen the moment it happens.
func (e *Entrance) Admitted(ctx context.Context, c core.Caller) (core.UserID, error) {
	now := e.clock.Now()
	tok, q, err := e.callerToken(ctx, c, now, true)
	if err != nil {
		return "", err
	}
	if tok.State == Waiting {
		st := e.status(tok, q, now)
		return "", &NotAdmittedError{Position: st.Position, EstimatedWait: st.EstimatedWait, OpensAt: st.OpensAt, Stalled: st.Stalled}
	}
	return tok.UserID, nil
}

// Queued checks that the caller's token is live, waiting or active, and returns whose it is.
func (e *Entrance) Queued(ctx context.Context, c core.Caller) (core.UserID, error) {
	tok, _, err := e.callerToken(ctx, c, e.clock.Now(), false)
	if err != nil {
		return "", err
	}
	return tok.UserID, nil
}

// Identify checks that the caller's token is one this queue issued to that user, live or not,
// and returns whose it is; a token still waiting gets a *NotAdmittedError, so a fan who queues
// learns that before anything else.
func (e *Entrance) Identify(ctx context.Context, c core.Caller) (core.UserID, error) {
	tok, err := e.token(ctx, c)
	if err != nil {
		return "", err
	}
	if tok.State == Waiting {
		_, err := e.Admitted(ctx, c)
		return "", err
	}
	return tok.UserID, nil
}

// callerToken is the caller's live token with the counters that place it: from the signed
// claims when they prove it waits (unless read is set), else read from the store. A waiting
// fan is marked seen.
func (e *Entrance) callerToken(ctx context.Context, c core.Caller, now time.Time, read bool) (Token, Queue, error) {
	q, err := e.view.counters(ctx)
	if err != nil {
		return Token{}, Queue{}, err
	}
	tok, ok := waitingFromClaims(c, q)
	if !ok || read {
		if tok, err = e.liveToken(ctx, c, now); err != nil {
			return Token{}, Queue{}, err
		}
		if q, err = e.countersFor(ctx, tok, q); err != nil {
			return Token{}, Queue{}, err
		}
	}
	if tok.State == Waiting {
		if err := e.store.MarkSeen(ctx, tok.ID, now); err != nil {
			return Token{}, Queue{}, fmt.Errorf("mark fan seen: %w", err)
		}
	}
	return tok, q, nil
}

// waitingFromClaims answers from the signed claims alone when they prove the token waits:
// its sequence number is beyond the counters' AdmittedThrough (tokens leave the queue only in
// sequence order), or it is an early token and the draw has not happened. Stale counters can
// only make it say waiting for up to Policy.Refresh after admission.
func waitingFromClaims(c core.Caller, q Queue) (Token, bool) {
	tok := Token{ID: c.TokenID, UserID: c.UserID, Seq: c.Seq, State: Waiting}
	switch {
	case c.Seq > q.AdmittedThrough:
		return tok, true
	case c.Seq == 0 && !q.OpensAt.IsZero() && !q.Drawn:
		tok.Early = true
		return tok, true
	}
	return Token{}, false
}

// countersFor returns counters that can place tok: an early token read from the store while
// the cached counters predate the opening being scheduled needs them read again, or it would
// be placed (and signed) by its provisional number.
func (e *Entrance) countersFor(ctx context.Context, tok Token, q Queue) (Queue, error) {
	if tok.Early && !q.Drawn && q.OpensAt.IsZero() {
		return e.view.read(ctx)
	}
	return q, nil
}

// token reads the caller's token if it is one we issued to that user, live or not.
func (e *Entrance) token(ctx context.Context, c core.Caller) (Token, error) {
	tok, err := e.store.Token(ctx, c.TokenID)
	if err != nil {
		return Token{}, err
	}
	if tok.UserID != c.UserID {
		// A signed token whose subject disagrees with storage is not one we issued.
		return Token{}, ErrTokenUnknown
	}
	return tok, nil
}

// liveToken reads the caller's token; it must be one we issued to that user and still live.
func (e *Entrance) liveToken(ctx context.Context, c core.Caller, now time.Time) (Token, error) {
	tok, err := e.token(ctx, c)
	if err != nil {
		return Token{}, err
	}
	if !tok.Live(now) {
		return Token{}, ErrTokenExpired
	}
	return tok, nil
}

// status places a token in the queue q.
func (e *Entrance) status(tok Token, q Queue, now time.Time) Status {
	switch {
	case tok.State != Waiting:
		return Status{Token: tok}
	case q.AwaitingDraw(tok):
		// Before the draw every early fan stands in the same place.
		return Status{Token: tok, EstimatedWait: max(0, q.OpensAt.Sub(now)).Round(time.Second), OpensAt: q.OpensAt}
	}
	ahead := q.Ahead(tok)
	return Status{Token: tok, Position: ahead, EstimatedWait: q.EstimateWait(ahead, e.policy.Admission, now), Stalled: q.Stalled(now)}
}
