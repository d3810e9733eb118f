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
	// Position is the number of fans ahead; 0 once active.
	Position      int64
	EstimatedWait time.Duration
}

// IssueToken gives the user a queue token, or their live one again.
func (b *BoxOffice) IssueToken(ctx context.Context, rawUserID string) (TokenStatus, error) {
	user, err := ParseUserID(rawUserID)
	if err != nil {
		return TokenStatus{}, err
	}
	tok, err := b.ports.Tokens.IssueToken(ctx, user, b.ports.Clock.Now())
	if err != nil {
		return TokenStatus{}, fmt.Errorf("issue token: %w", err)
	}
	return b.status(ctx, tok)
}

// TokenStatus reports the caller's token and position; an expired token is ErrTokenExpired.
func (b *BoxOffice) TokenStatus(ctx context.Context, c Caller) (TokenStatus, error) {
	tok, err := b.liveToken(ctx, c)
	if err != nil {
		return TokenStatus{}, err
	}
	return b.status(ctx, tok)
}

// Authorize checks that the caller's token gives the access a request needs. A waiting token
// asking for AccessAdmitted gets a *NotAdmittedError carrying its position.
func (b *BoxOffice) Authorize(ctx context.Context, c Caller, need Access) (QueueToken, error) {
	tok, err := b.liveToken(ctx, c)
	if err != nil {
		return QueueToken{}, err
	}
	if need == AccessAdmitted && tok.State != TokenActive {
		st, err := b.status(ctx, tok)
		if err != nil {
			return QueueToken{}, err
		}
		return QueueToken{}, &NotAdmittedError{Position: st.Position, EstimatedWait: st.EstimatedWait}
	}
	return tok, nil
}

// OverdueHoldGrace is how long past its deadline a hold may stay held before the admission
// tick releases it itself: long enough for a payment accepted at the deadline to settle.
const OverdueHoldGrace = time.Minute

// overdueBatch bounds the holds one tick releases, so a backlog cannot make a tick slow.
const overdueBatch = 500

// AdmitNext runs one admission tick: it ends expired sessions, admits up to batch waiting fans
// in sequence order keeping at most maxActive admitted at once, and releases holds overdue by
// more than OverdueHoldGrace (the safety net behind each hold's own workflow).
func (b *BoxOffice) AdmitNext(ctx context.Context, batch, maxActive int) (AdmissionResult, error) {
	if batch < 0 || maxActive < 0 {
		return AdmissionResult{}, fmt.Errorf("admit: batch %d and ceiling %d must not be negative", batch, maxActive)
	}
	now := b.ports.Clock.Now()
	res, err := b.ports.Tokens.Admit(ctx, batch, maxActive, b.policy.SessionTTL, now)
	if err != nil {
		return AdmissionResult{}, fmt.Errorf("admit: %w", err)
	}
	if res.ReleasedHolds, err = b.ports.Reservations.ReleaseOverdue(ctx, now.Add(-OverdueHoldGrace), overdueBatch); err != nil {
		return res, fmt.Errorf("release overdue holds: %w", err)
	}
	return res, nil
}

// QueueStats counts waiting and admitted fans.
func (b *BoxOffice) QueueStats(ctx context.Context) (QueueStats, error) {
	return b.ports.Tokens.QueueStats(ctx)
}

// token returns the caller's token if it is one we issued to that user, live or not.
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

func (b *BoxOffice) liveToken(ctx context.Context, c Caller) (QueueToken, error) {
	tok, err := b.token(ctx, c)
	if err != nil {
		return QueueToken{}, err
	}
	if !tok.Live(b.ports.Clock.Now()) {
		return QueueToken{}, ErrTokenExpired
	}
	return tok, nil
}

func (b *BoxOffice) status(ctx context.Context, tok QueueToken) (TokenStatus, error) {
	if tok.State != TokenWaiting {
		return TokenStatus{Token: tok}, nil
	}
	ahead, err := b.ports.Tokens.WaitingAhead(ctx, tok.Seq)
	if err != nil {
		return TokenStatus{}, fmt.Errorf("queue position: %w", err)
	}
	return TokenStatus{Token: tok, Position: ahead, EstimatedWait: b.estimateWait(ahead)}, nil
}

// estimateWait is the time to admit `ahead` fans and then this one at the admission rate,
// rounded up to the second.
func (b *BoxOffice) estimateWait(ahead int64) time.Duration {
	ticks := (ahead + int64(b.policy.AdmitRate)) / int64(b.policy.AdmitRate)
	return time.Duration(ticks) * time.Second
}
