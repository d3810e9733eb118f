package entry

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Door is what a join passes before the queue issues its token: the proof of work and the
// address's quota. A check costs two hashes and an HMAC, and with a quota one write; the
// solution is spent, and a presale's code redeemed, in the issue's own transaction, so the door
// adds no commit to a join. Nothing it reads grows with the queue.
type Door struct {
	store  Store
	sales  Sales
	prover *Prover
	clock  core.Clock
	// perAddress is BOXOFFICE_JOIN_PER_ADDRESS: new tokens one address may take in a sale
	// each minute; 0 is no quota.
	perAddress int
	observer   Observer
}

// DoorConfig is what NewDoor needs.
type DoorConfig struct {
	Store      Store
	Sales      Sales
	Prover     *Prover
	Clock      core.Clock
	PerAddress int
	Observer   Observer // nil hears nothing
}

// NewDoor returns the door of every sale's queue.
func NewDoor(c DoorConfig) *Door {
	if c.Observer == nil {
		c.Observer = NopObserver{}
	}
	return &Door{store: c.Store, sales: c.Sales, prover: c.Prover, clock: c.Clock, perAddress: c.PerAddress, observer: c.Observer}
}

// Challenge is a new proof of work for a join of sale; ErrNoProofAsked if the sale asks none.
func (d *Door) Challenge(ctx context.Context, rawSale string) (Challenge, error) {
	sale, err := core.ParseSaleID("sale_id", rawSale)
	if err != nil {
		return Challenge{}, err
	}
	st, err := d.sales.Status(ctx, sale)
	if err != nil {
		return Challenge{}, err
	}
	switch st.State {
	case core.Closed:
		return Challenge{}, core.ErrSaleClosed
	case core.Draft:
		return Challenge{}, core.ErrUnknownSale
	}
	if st.Entry.PowMaxNumber == 0 {
		return Challenge{}, ErrNoProofAsked
	}
	return d.prover.Make(sale, st.Entry.PowMaxNumber, d.clock.Now())
}

// Knock is a join at the door: what it carries and where it comes from.
type Knock struct {
	Sale       core.SaleID
	Rules      core.EntryRules
	Proof      string // ALTCHA's payload, base64 JSON
	AccessCode string // as the fan typed it
	Address    string // the client's address as the edge counts it (an IPv6 client by its /64)
}

// Pass is what a join brings from the door to the queue store's issue: the solution to spend
// with the token (nil when the sale asks none), and during a presale the code to redeem.
type Pass struct {
	Proof   *Solution
	Presale bool
	Code    string // normalised (NormalizeCode)
	// Counted is the minute window the join was counted in against its address's quota; zero
	// when no quota applies.
	Counted time.Time
}

// Check lets a join through or says why not, and returns its pass: a proof of work the sale
// asks for must be sent and valid (the store spends it with the issue: a solution already spent
// is refused there), and the address must be under its quota (the join counts against it now).
// Refusals are for the caller to report (Refused), once it knows the join is not a fan's ask
// for their live token.
func (d *Door) Check(ctx context.Context, k Knock) (Pass, error) {
	now := d.clock.Now()
	pass := Pass{Presale: k.Rules.Presale(now)}
	if pass.Presale {
		pass.Code = NormalizeCode(k.AccessCode)
	}
	if k.Rules.PowMaxNumber > 0 {
		sol, err := d.prover.Check(k.Proof, k.Sale, now)
		if err != nil {
			return Pass{}, err
		}
		pass.Proof = &sol
	}
	if d.perAddress > 0 {
		window := now.Truncate(time.Minute)
		ok, err := d.store.TakeQuota(ctx, k.Sale, k.Address, window, d.perAddress)
		if err != nil {
			return Pass{}, fmt.Errorf("count the join against its address's quota: %w", err)
		}
		if !ok {
			return Pass{}, &QuotaError{Limit: d.perAddress, RetryAfter: window.Add(time.Minute).Sub(now).Truncate(time.Second) + time.Second}
		}
		pass.Counted = window
	}
	return pass, nil
}

// Refused tells the observer of a join's refusal, at the door or by the queue store's issue (a
// spent solution, a presale code), by its cause, and returns err; other errors pass unheard.
func (d *Door) Refused(sale core.SaleID, err error) error {
	if cause, ok := CauseOf(err); ok {
		d.observer.Refused(sale, cause)
	}
	return err
}

// ReturnQuota gives back the count Check took of a join that got no new token (its fan's live
// one back, or a refusal after the door): the quota counts new tokens. Best effort: a failure
// leaves the join counted.
func (d *Door) ReturnQuota(ctx context.Context, k Knock, p Pass) {
	if !p.Counted.IsZero() {
		_ = d.store.ReturnQuota(ctx, k.Sale, k.Address, p.Counted)
	}
}

// CreateCodes makes access codes for a sale, as spec asks.
func (d *Door) CreateCodes(ctx context.Context, sale core.SaleID, spec CodeSpec) ([]AccessCode, error) {
	if _, err := d.sales.Status(ctx, sale); err != nil {
		return nil, err
	}
	codes, err := NewCodes(sale, spec, d.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := d.store.AddCodes(ctx, codes); err != nil {
		return nil, err
	}
	return codes, nil
}

// Codes lists a sale's access codes with the uses left of each.
func (d *Door) Codes(ctx context.Context, sale core.SaleID) ([]AccessCode, error) {
	if _, err := d.sales.Status(ctx, sale); err != nil {
		return nil, err
	}
	return d.store.Codes(ctx, sale)
}
