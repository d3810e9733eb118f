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
	// Seq is the queue sequence number: strictly increasing in issue order, the FIFO order.
	Seq        int64
	State      TokenState
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

// QueueStats is a snapshot of the waiting room.
type QueueStats struct {
	Waiting int64
	Active  int64
}

// AdmissionResult is what one admission tick did.
type AdmissionResult struct {
	Expired       int // active tokens whose session ended
	Admitted      int // waiting tokens made active, in sequence order
	ReleasedHolds int // holds long overdue whose own release never ran
}
