package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

// Entrance is what fans pass through: they take a token for a sale, follow their place, and
// prove to the other contexts that they are in that sale's queue or admitted to it.
type Entrance struct {
	store    Store
	sales    Sales
	loop     Loop // woken when a fan finds it asleep
	clock    core.Clock
	policy   Policy
	counters Counters
	door     Door
}

// Status is a token with where it stands in its sale's queue.
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
	// SoldOut says every seat of the sale's dates to come is taken.
	SoldOut bool
}

// SignedSeq is the sequence number a token's JWT carries: 0 until its place is drawn.
func (s Status) SignedSeq() int64 {
	if !s.OpensAt.IsZero() {
		return 0
	}
	return s.Token.Seq
}

// Join is a fan asking for a token: who, for which sale (the default one if empty), and what
// the sale's entry rules may ask: a solved proof of work, an access code during a presale, and
// the client's address for its quota.
type Join struct {
	UserID, SaleID string
	Proof          string // ALTCHA's payload
	AccessCode     string
	Address        string
}

// Issue is Join with nothing but the fan and the sale: enough for a sale without entry rules.
func (e *Entrance) Issue(ctx context.Context, rawUserID, rawSaleID string) (Status, error) {
	return e.Join(ctx, Join{UserID: rawUserID, SaleID: rawSaleID})
}

// Join gives the user a token in the queue of the sale named (the default sale if none), or
// their live one there again, once the door lets the join through. A fan may wait in several
// sales at once.
func (e *Entrance) Join(ctx context.Context, j Join) (Status, error) {
	user, err := core.ParseUserID(j.UserID)
	if err != nil {
		return Status{}, err
	}
	sale, err := e.saleToJoin(ctx, j.SaleID)
	if err != nil {
		return Status{}, err
	}
	sst, err := e.saleStatus(ctx, sale)
	if err != nil {
		return Status{}, err
	}
	now := e.clock.Now()
	tok, err := e.throughTheDoor(ctx, user, entry.Knock{Sale: sale, Rules: sst.Entry, Proof: j.Proof, AccessCode: j.AccessCode, Address: j.Address}, now)
	if err != nil {
		return Status{}, e.door.Refused(sale, err)
	}
	q, err := e.counters.Copy(ctx, sale)
	if err != nil {
		return Status{}, err
	}
	if q, err = e.countersFor(ctx, tok, q); err != nil {
		return Status{}, err
	}
	e.wakeIfAsleep(tok, q)
	return e.status(tok, q, sst, now), nil
}

// throughTheDoor takes the fan's token once the door lets the join through. A fan asking again
// for their live token gets it back whatever the door would say (no solution, the one that
// already let them in, no code, the quota reached), so the door's refusals read it, and only
// they: an honest join pays no extra read. The quota counts new tokens: a join that got none
// gives its count back.
func (e *Entrance) throughTheDoor(ctx context.Context, user core.UserID, k entry.Knock, now time.Time) (Token, error) {
	pass, err := e.door.Check(ctx, k)
	var tok Token
	if err == nil {
		tok, err = e.issue(ctx, k.Sale, user, pass, now)
		if err == nil && tok.IssuedAt.Equal(now) {
			return tok, nil // a new token
		}
		e.door.ReturnQuota(ctx, k, pass)
	}
	if refused(err) {
		if live, lerr := e.store.LiveToken(ctx, k.Sale, user, now); lerr == nil {
			return live, nil
		}
	}
	return tok, err
}

// refused says whether err is the door's refusal of a join, at the door or by the store's issue.
func refused(err error) bool {
	_, ok := entry.CauseOf(err)
	return ok
}

// issue takes the token, with what the door's pass asks spent and redeemed.
func (e *Entrance) issue(ctx context.Context, sale core.SaleID, user core.UserID, pass entry.Pass, now time.Time) (Token, error) {
	if pass == (entry.Pass{}) {
		tok, err := e.store.IssueToken(ctx, sale, user, now)
		if err != nil {
			return Token{}, fmt.Errorf("issue token: %w", err)
		}
		return tok, nil
	}
	tok, err := e.store.IssueTokenWithPass(ctx, sale, user, pass, now)
	if err != nil && !refused(err) {
		return Token{}, fmt.Errorf("issue token through the door: %w", err)
	}
	return tok, err
}

// wakeIfAsleep wakes the sale's admission loop when a waiting fan finds it asleep (nobody
// waited at its last round), on joining and on each poll after, so a wake lost on the way is
// asked for again. Wake never blocks.
func (e *Entrance) wakeIfAsleep(tok Token, q Queue) {
	if tok.State == Waiting && q.MayBeAsleep() {
		e.loop.Wake(tok.SaleID)
	}
}

// saleToJoin is the sale a fan names, or the default one.
func (e *Entrance) saleToJoin(ctx context.Context, raw string) (core.SaleID, error) {
	if raw == "" {
		return e.sales.Default(ctx)
	}
	return core.ParseSaleID("sale_id", raw)
}

// saleStatus is the sale's status if it takes fans: a closed sale is ErrSaleClosed, and a
// draft one, not public yet, is unknown.
func (e *Entrance) saleStatus(ctx context.Context, sale core.SaleID) (core.SaleStatus, error) {
	st, err := e.sales.Status(ctx, sale)
	if err != nil {
		return core.SaleStatus{}, err
	}
	switch st.State {
	case core.Closed:
		return core.SaleStatus{}, core.ErrSaleClosed
	case core.Draft:
		return core.SaleStatus{}, core.ErrUnknownSale
	}
	return st, nil
}

// Status reports the caller's token and position; an expired token is ErrTokenExpired and a
// token of a closed sale core.ErrSaleClosed. A waiting token's position comes from its signed
// sequence number and the cached queue counters, without reading the token; the fan is
// marked seen.
func (e *Entrance) Status(ctx context.Context, c core.Caller) (Status, error) {
	now := e.clock.Now()
	tok, q, err := e.callerToken(ctx, c, now, false)
	if err != nil {
		return Status{}, err
	}
	sst, err := e.saleStatus(ctx, tok.SaleID)
	if err != nil {
		return Status{}, err
	}
	e.wakeIfAsleep(tok, q)
	return e.status(tok, q, sst, now), nil
}

// Leave takes the caller out of the queue at once: their token expires, and the fans behind a
// waiting one move up from this instance's next answer on (other instances' within
// Policy.Refresh). Leaving again is ErrTokenExpired, as is any use of the token.
func (e *Entrance) Leave(ctx context.Context, c core.Caller) error {
	tok, err := e.token(ctx, c)
	if err != nil {
		return err
	}
	if _, err := e.store.Leave(ctx, tok.ID, e.clock.Now()); err != nil {
		return err
	}
	_, err = e.counters.Read(ctx, tok.SaleID)
	return err
}

// Admitted checks that the caller's token is active and returns whose it is and for which
// sale. A waiting token gets a *NotAdmittedError carrying its position. The token is always
// read: admission must be seen the moment it happens.
func (e *Entrance) Admitted(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error) {
	now := e.clock.Now()
	tok, q, err := e.callerToken(ctx, c, now, true)
	if err != nil {
		return "", "", err
	}
	if tok.State == Waiting {
		st := e.status(tok, q, core.SaleStatus{}, now)
		return "", "", &NotAdmittedError{Position: st.Position, EstimatedWait: st.EstimatedWait, OpensAt: st.OpensAt, Stalled: st.Stalled}
	}
	return tok.UserID, tok.SaleID, nil
}

// Queued checks that the caller's token is live, waiting or active, and returns whose it is and
// for which sale.
func (e *Entrance) Queued(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error) {
	tok, _, err := e.callerToken(ctx, c, e.clock.Now(), false)
	if err != nil {
		return "", "", err
	}
	return tok.UserID, tok.SaleID, nil
}

// Identify checks that the caller's token is one this queue issued to that user, live or not,
// and returns whose it is and for which sale; a token still waiting gets a *NotAdmittedError,
// so a fan who queues learns that before anything else.
func (e *Entrance) Identify(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error) {
	tok, err := e.token(ctx, c)
	if err != nil {
		return "", "", err
	}
	if tok.State == Waiting {
		_, _, err := e.Admitted(ctx, c)
		return "", "", err
	}
	return tok.UserID, tok.SaleID, nil
}

// Opening is when the sale's queue opens, zero if no opening is scheduled or it has passed.
func (e *Entrance) Opening(ctx context.Context, sale core.SaleID) (time.Time, error) {
	q, err := e.counters.Copy(ctx, sale)
	if err != nil || q.Open(e.clock.Now()) {
		return time.Time{}, err
	}
	return q.OpensAt, nil
}

// callerToken is the caller's live token with the counters that place it: from the signed
// claims when they prove it waits (unless read is set), else read from the store. A waiting
// fan is marked seen.
func (e *Entrance) callerToken(ctx context.Context, c core.Caller, now time.Time, read bool) (Token, Queue, error) {
	var tok Token
	var q Queue
	ok := false
	if c.SaleID != "" { // a token signed before tokens named their sale is read
		var err error
		if q, err = e.counters.Copy(ctx, c.SaleID); err != nil {
			return Token{}, Queue{}, err
		}
		tok, ok = waitingFromClaims(c, q)
	}
	if !ok || read {
		var err error
		if tok, err = e.liveToken(ctx, c, now); err != nil {
			return Token{}, Queue{}, err
		}
		if q, err = e.counters.Copy(ctx, tok.SaleID); err != nil {
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
	tok := Token{ID: c.TokenID, UserID: c.UserID, SaleID: c.SaleID, Seq: c.Seq, State: Waiting}
	switch {
	case q.HasLeft(c.Seq): // its fan left: read it, and find it expired
		return Token{}, false
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
		return e.counters.Read(ctx, tok.SaleID)
	}
	return q, nil
}

// token reads the caller's token if it is one we issued to that user, live or not.
func (e *Entrance) token(ctx context.Context, c core.Caller) (Token, error) {
	tok, err := e.store.Token(ctx, c.TokenID)
	if err != nil {
		return Token{}, err
	}
	if tok.UserID != c.UserID || (c.SaleID != "" && tok.SaleID != c.SaleID) {
		// A signed token whose claims disagree with storage is not one we issued.
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

// status places a token in its queue q.
func (e *Entrance) status(tok Token, q Queue, sst core.SaleStatus, now time.Time) Status {
	switch {
	case tok.State != Waiting:
		return Status{Token: tok, SoldOut: sst.SoldOut}
	case q.AwaitingDraw(tok):
		// Before the draw every early fan stands in the same place.
		return Status{Token: tok, EstimatedWait: max(0, q.OpensAt.Sub(now)).Round(time.Second), OpensAt: q.OpensAt, SoldOut: sst.SoldOut}
	}
	ahead := q.Ahead(tok)
	return Status{Token: tok, Position: ahead, EstimatedWait: q.EstimateWait(ahead, e.policy.Admission, now), Stalled: q.Stalled(now), SoldOut: sst.SoldOut}
}

// CachedCounters are the queue counters of each sale this instance read within maxAge (at
// most Policy.Refresh old while fans ask, and after each admission round on the worker): what
// an operator's gauges show, without a read of the store.
func (e *Entrance) CachedCounters(maxAge time.Duration) map[core.SaleID]Queue {
	return e.counters.Cached(maxAge)
}
