package catalog

import (
	"fmt"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// DefaultMaxTicketsPerFan is a sale's per-fan limit when the operator sets none.
const DefaultMaxTicketsPerFan = 4

// MaxTicketsPerFan bounds a sale's per-fan limit.
const MaxTicketsPerFan = 100

// MaxTitle bounds a sale's title and its venue's name, in characters.
const MaxTitle = 200

// Sale is a concert an operator puts on sale: its dates (performances), its rules and a
// waiting room of its own.
type Sale struct {
	ID    core.SaleID
	Title string
	Venue string
	State core.SaleState
	// MaxTicketsPerFan limits what one fan holds and has bought in the sale together.
	MaxTicketsPerFan int
	// Cancellation is when and at what fee a fan may give a ticket back; nil: never.
	Cancellation *CancellationPolicy
	// Entry is the proof of work and presale its queue's door asks of a joining fan.
	Entry     core.EntryRules
	CreatedAt time.Time
}

// CancellationPolicy lets a fan cancel a paid ticket until UntilBeforeShow before the show,
// for a fee of FeePercent of its price (rounded down), the rest refunded.
type CancellationPolicy struct {
	UntilBeforeShow time.Duration
	FeePercent      int
}

// Validate reports a policy that cannot apply.
func (c CancellationPolicy) Validate(field string) error {
	switch {
	case c.UntilBeforeShow < 0:
		return core.InvalidField(field+".until_before_show", "must not be negative")
	case c.FeePercent < 0 || c.FeePercent > 100:
		return core.InvalidField(field+".fee_percent", "must be 0 to 100")
	}
	return nil
}

// QueueSpec is what an operator sets of a sale's waiting room when creating it; zero fields
// take the service's defaults.
type QueueSpec struct {
	AdmitRate  int
	MaxActive  int
	SessionTTL time.Duration
	OpensAt    time.Time // zero: first come, first served from the first token
}

// SaleSpec is a sale as an operator asks for it.
type SaleSpec struct {
	ID               string
	Title, Venue     string
	State            string // empty: on_sale
	MaxTicketsPerFan int    // 0: DefaultMaxTicketsPerFan
	Cancellation     *CancellationPolicy
	Queue            QueueSpec
	Entry            core.EntryRules
	Performances     []PerformanceSpec
}

// NewSale validates a spec at now and returns the sale and its performances. Every refusal is a
// *core.InvalidFieldError naming the field, as the API's body does (performances[0].sections).
func NewSale(spec SaleSpec, now time.Time) (Sale, []Performance, error) {
	id, err := core.ParseSaleID("sale_id", spec.ID)
	if err != nil {
		return Sale{}, nil, err
	}
	s := Sale{ID: id, Title: spec.Title, Venue: spec.Venue, State: core.OnSale, MaxTicketsPerFan: spec.MaxTicketsPerFan,
		Cancellation: spec.Cancellation, Entry: spec.Entry, CreatedAt: now}
	if spec.State != "" {
		if s.State, err = core.ParseSaleState("state", spec.State); err != nil {
			return Sale{}, nil, err
		}
		if s.State != core.Draft && s.State != core.OnSale {
			return Sale{}, nil, core.InvalidField("state", "a new sale is draft or on_sale")
		}
	}
	if s.MaxTicketsPerFan == 0 {
		s.MaxTicketsPerFan = DefaultMaxTicketsPerFan
	}
	if err := s.validate(); err != nil {
		return Sale{}, nil, err
	}
	if err := spec.Queue.validate(now); err != nil {
		return Sale{}, nil, err
	}
	if err := spec.Entry.Validate(now); err != nil {
		return Sale{}, nil, err
	}
	perfs, err := newPerformances(id, spec.Performances, now)
	return s, perfs, err
}

// newPerformances validates a new sale's performances, each and together.
func newPerformances(sale core.SaleID, specs []PerformanceSpec, now time.Time) ([]Performance, error) {
	switch {
	case len(specs) == 0:
		return nil, core.InvalidField("performances", "a sale needs at least one performance")
	case len(specs) > MaxPerformances:
		return nil, core.InvalidField("performances", "a sale has at most %d performances, not %d", MaxPerformances, len(specs))
	}
	perfs := make([]Performance, 0, len(specs))
	for i, ps := range specs {
		field := fmt.Sprintf("performances[%d]", i)
		p, err := ps.performance(sale, field, now)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(perfs, func(o Performance) bool { return o.Date == p.Date }) {
			return nil, core.InvalidField(field+".date", "%s is on the sale twice", p.Date)
		}
		if err := CheckRoom(field, p, perfs); err != nil {
			return nil, err
		}
		perfs = append(perfs, p)
	}
	return perfs, nil
}

// validate checks the fields an operator may change later too.
func (s Sale) validate() error {
	return SaleChange{Title: &s.Title, Venue: &s.Venue, MaxTicketsPerFan: &s.MaxTicketsPerFan,
		Cancellation: s.Cancellation, SetCancellation: true}.validate()
}

func (q QueueSpec) validate(now time.Time) error {
	switch {
	case q.AdmitRate < 0:
		return core.InvalidField("queue.admit_rate", "must be at least 1 fan per second")
	case q.MaxActive < 0:
		return core.InvalidField("queue.max_active", "must be at least 1")
	case q.SessionTTL < 0:
		return core.InvalidField("queue.session_ttl", "must be positive")
	case !q.OpensAt.IsZero() && !q.OpensAt.After(now):
		return core.InvalidField("queue.opens_at", "must be in the future")
	}
	return nil
}

// Offer is a sale with one of its performances: what a fan holds a seat of.
type Offer struct {
	Sale        Sale
	Performance Performance
}

// SaleChange is what an operator changes of a sale; nil fields keep their value.
type SaleChange struct {
	State            *core.SaleState
	Title            *string
	Venue            *string
	MaxTicketsPerFan *int
	// Cancellation replaces the policy when SetCancellation is true (nil: not cancellable).
	Cancellation    *CancellationPolicy
	SetCancellation bool
	// Entry replaces the entry rules as a whole when set; validated at the change's time by
	// Admin.ChangeSale.
	Entry *core.EntryRules
}

// validate checks the fields the change sets, and only those: a sale stored before a rule
// was made can still be paused, closed or renamed.
func (c SaleChange) validate() error {
	if c.Title != nil {
		if err := checkName("title", *c.Title, MaxTitle); err != nil {
			return err
		}
	}
	if c.Venue != nil {
		if err := checkName("venue", *c.Venue, MaxTitle); err != nil {
			return err
		}
	}
	if c.MaxTicketsPerFan != nil && (*c.MaxTicketsPerFan < 1 || *c.MaxTicketsPerFan > MaxTicketsPerFan) {
		return core.InvalidField("max_tickets_per_fan", "must be 1 to %d", MaxTicketsPerFan)
	}
	if c.SetCancellation && c.Cancellation != nil {
		return c.Cancellation.Validate("cancellation")
	}
	return nil
}

// Apply returns s changed, or why it cannot change so.
func (c SaleChange) Apply(s Sale) (Sale, error) {
	if err := c.validate(); err != nil {
		return Sale{}, err
	}
	if c.State != nil {
		if err := s.State.CanBecome(*c.State); err != nil {
			return Sale{}, err
		}
		s.State = *c.State
	}
	if c.Title != nil {
		s.Title = *c.Title
	}
	if c.Venue != nil {
		s.Venue = *c.Venue
	}
	if c.MaxTicketsPerFan != nil && *c.MaxTicketsPerFan != s.MaxTicketsPerFan {
		if s.State == core.Closed {
			return Sale{}, ErrLimitNeverApplies
		}
		s.MaxTicketsPerFan = *c.MaxTicketsPerFan
	}
	if c.SetCancellation {
		s.Cancellation = c.Cancellation
	}
	if c.Entry != nil {
		s.Entry = *c.Entry
	}
	return s, nil
}
