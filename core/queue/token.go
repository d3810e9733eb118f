package queue

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// TokenState is where a queue token is in its life: waiting → active → expired.
type TokenState struct{ name string }

// Token states.
var (
	Waiting = TokenState{"waiting"}
	Active  = TokenState{"active"}
	Expired = TokenState{"expired"}
)

// ParseTokenState rebuilds a state from storage.
func ParseTokenState(s string) (TokenState, error) {
	for _, st := range []TokenState{Waiting, Active, Expired} {
		if st.name == s {
			return st, nil
		}
	}
	return TokenState{}, fmt.Errorf("unknown token state %q", s)
}

func (s TokenState) String() string { return s.name }

// Token is a fan's place in the waiting room.
type Token struct {
	ID     core.ID
	UserID core.UserID
	SaleID core.SaleID // the sale whose queue the token is in
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
func (t Token) Live(now time.Time) bool {
	switch t.State {
	case Waiting:
		return true
	case Active:
		return now.Before(t.ExpiresAt)
	default:
		return false
	}
}
