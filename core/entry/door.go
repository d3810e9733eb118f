package entry

import (
	"context"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Door is what a join passes before the queue issues its token: the proof of work and the
// address's quota. Each check costs a hash, an HMAC and, when the check asks for it, one
// write; none reads anything that grows with the queue.
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
	if !st.State.Public() {
		return Challenge{}, core.ErrUnknownSale
	}
	if st.Entry.PowMaxNumber == 0 {
		return Challenge{}, ErrNoProofAsked
	}
	return d.prover.Make(sale, st.Entry.PowMaxNumber, d.clock.Now())
}

// Knock is a join at the door: the solution it carries and where it comes from.
type Knock struct {
	Sale    core.SaleID
	Rules   core.EntryRules
	Proof   string // ALTCHA's payload, base64 JSON
	Address string // the client's address, as the edge determined it
}

// Check lets a join through or says why not: a proof of work the sale asks for must be sent,
// valid and not spent (it is spent now, whatever becomes of the join), and the address must be
// under its quota (the join counts against it now).
func (d *Door) Check(ctx context.Context, k Knock) error {
	now := d.clock.Now()
	if k.Rules.PowMaxNumber > 0 {
		if err := d.spend(ctx, k, now); err != nil {
			return d.refused(k.Sale, err)
		}
	}
	if d.perAddress > 0 {
		window := now.Truncate(time.Minute)
		ok, err := d.store.TakeQuota(ctx, k.Sale, k.Address, window, d.perAddress)
		if err != nil {
			return err
		}
		if !ok {
			return d.refused(k.Sale, &QuotaError{Limit: d.perAddress, RetryAfter: window.Add(time.Minute).Sub(now).Truncate(time.Second) + time.Second})
		}
	}
	return nil
}

func (d *Door) spend(ctx context.Context, k Knock, now time.Time) error {
	sol, err := d.prover.Check(k.Proof, k.Sale, now)
	if err != nil {
		return err
	}
	fresh, err := d.store.SpendProof(ctx, sol.Challenge, sol.Expires)
	if err != nil {
		return err
	}
	if !fresh {
		return refuseProof("spent: this solution was used already; solve a new challenge for each join")
	}
	return nil
}

// refused tells the observer of a refusal, by its cause, and returns it.
func (d *Door) refused(sale core.SaleID, err error) error {
	var proof *ProofError
	var quota *QuotaError
	var code *CodeError
	switch {
	case errors.As(err, &proof):
		d.observer.Refused(sale, CauseChallenge)
	case errors.As(err, &quota):
		d.observer.Refused(sale, CauseQuota)
	case errors.As(err, &code):
		d.observer.Refused(sale, CauseCode)
	}
	return err
}

// Refused tells the observer of a join refused after the door, in the queue (a presale code),
// and returns err.
func (d *Door) Refused(sale core.SaleID, err error) error { return d.refused(sale, err) }

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
