package catalog

import (
	"fmt"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// DefaultSeatsPerPerformance is N in seats 1..N of the demo sale.
const DefaultSeatsPerPerformance = 50

// FirstSeat is the number of every performance's first seat: seats are numbered 1..N.
const FirstSeat = 1

// Limits of a performance's seat map.
const (
	MaxSeats    = 100_000     // N in seats 1..N
	MaxSections = 100         // sections per performance
	MaxPrice    = 100_000_000 // won, a seat
	// MaxSectionName bounds a section's name, in characters.
	MaxSectionName = 64
)

// Limits of a sale, on what one request may make the stores write and every read of the sale
// go through: a seat is a row (PostgreSQL writes about 100,000 a second), and reading a sale
// counts all of them. A season of a hundred dates, or five stadium nights, fits.
const (
	MaxPerformances = 100     // dates a sale has, cancelled ones included
	MaxSaleSeats    = 500_000 // seats of all its dates together
)

// LateShowCutoff is the hour before which a show may start the morning after its date: a
// performance dated the 1st may start at 00:30 on the 2nd, not at 06:00.
const LateShowCutoff = 6

// Section is a run of seats at one price: seats FirstSeat..LastSeat.
type Section struct {
	Name      string
	FirstSeat int
	LastSeat  int
	Price     core.Amount
}

// Performance is one date of a sale, with seats 1..N covered by its sections in seat order.
type Performance struct {
	SaleID core.SaleID
	Date   core.Date
	// StartsAt is when the show begins; zero: 00:00 UTC of its date.
	StartsAt time.Time
	Sections []Section // in seat order, from seat 1 without gaps
	// CancelledAt is when an operator cancelled the show; zero: it is on. A cancelled
	// performance takes no holds and is listed no more, and its tickets are refunded in full.
	CancelledAt time.Time
}

// Cancelled reports whether an operator cancelled the show.
func (p Performance) Cancelled() bool { return !p.CancelledAt.IsZero() }

// CheckOn reports a performance that was cancelled: ErrPerformanceCancelled.
func (p Performance) CheckOn() error {
	if p.Cancelled() {
		return ErrPerformanceCancelled
	}
	return nil
}

// Seats is N in seats 1..N.
func (p Performance) Seats() int {
	if len(p.Sections) == 0 {
		return 0
	}
	return p.Sections[len(p.Sections)-1].LastSeat
}

// Start is when the show begins: StartsAt, or 00:00 UTC of its date.
func (p Performance) Start() time.Time {
	if p.StartsAt.IsZero() {
		return p.Date.Time()
	}
	return p.StartsAt
}

// HasSeat reports whether seat n exists at this performance.
func (p Performance) HasSeat(n int) bool { return n >= FirstSeat && n <= p.Seats() }

// CheckSeat reports a seat the performance does not have.
func (p Performance) CheckSeat(n int) error {
	if !p.HasSeat(n) {
		return core.InvalidField("seat_id", "seat %d does not exist on %s; seats are numbered 1 to %d", n, p.Date, p.Seats())
	}
	return nil
}

// SectionOf is the section seat n is in.
func (p Performance) SectionOf(n int) (Section, bool) {
	i, found := slices.BinarySearchFunc(p.Sections, n, func(s Section, n int) int {
		switch {
		case n < s.FirstSeat:
			return 1
		case n > s.LastSeat:
			return -1
		}
		return 0
	})
	if !found {
		return Section{}, false
	}
	return p.Sections[i], true
}

// Section is the section of that name.
func (p Performance) Section(name string) (Section, bool) {
	i := slices.IndexFunc(p.Sections, func(s Section) bool { return s.Name == name })
	if i < 0 {
		return Section{}, false
	}
	return p.Sections[i], true
}

// PriceRange is the cheapest and the dearest seat.
func (p Performance) PriceRange() (lo, hi core.Amount) {
	for i, s := range p.Sections {
		if i == 0 || s.Price < lo {
			lo = s.Price
		}
		hi = max(hi, s.Price)
	}
	return lo, hi
}

// PerformanceSpec is a performance as an operator asks for it.
type PerformanceSpec struct {
	Date     string
	StartsAt time.Time
	Sections []Section
}

// NewPerformance validates a performance an operator adds to a sale at now.
func NewPerformance(sale core.SaleID, spec PerformanceSpec, now time.Time) (Performance, error) {
	return spec.performance(sale, "", now)
}

// performance validates the spec; field prefixes the names of its fields ("performances[0]").
func (ps PerformanceSpec) performance(sale core.SaleID, field string, now time.Time) (Performance, error) {
	at := func(name string) string {
		if field == "" {
			return name
		}
		return field + "." + name
	}
	d, err := core.ParseDate(ps.Date)
	if err != nil {
		return Performance{}, core.InvalidField(at("date"), "%q is not a calendar date in the form YYYY-MM-DD", ps.Date)
	}
	if d.Before(core.DateOf(now)) {
		return Performance{}, core.InvalidField(at("date"), "%s is in the past", d)
	}
	if !ps.StartsAt.IsZero() {
		if err := checkStart(at("starts_at"), ps.StartsAt, d, now); err != nil {
			return Performance{}, err
		}
	}
	p := Performance{SaleID: sale, Date: d, StartsAt: ps.StartsAt.UTC(), Sections: slices.Clone(ps.Sections)}
	return p, checkSections(p.Sections, at("sections"))
}

// checkStart holds a show's start to its date: the day of start in its own UTC offset, as the
// operator wrote it, is the performance's date, or the day after before LateShowCutoff for a
// show past midnight. So the deadline of a cancellation, counted back from it, is the date's.
func checkStart(field string, start time.Time, d core.Date, now time.Time) error {
	if !start.After(now) {
		return core.InvalidField(field, "must be in the future")
	}
	y, m, day := start.Date()
	local := core.DateOf(time.Date(y, m, day, 0, 0, 0, 0, time.UTC))
	if local == d || local == d.AddDays(1) && start.Hour() < LateShowCutoff {
		return nil
	}
	return core.InvalidField(field, "%s is not on %s: a show starts on its date, in the UTC offset it is written with, "+
		"or before %02d:00 the morning after for a show past midnight", start.Format(time.RFC3339), d, LateShowCutoff)
}

// CheckRoom reports a performance the sale has no room for beside the ones it has: past
// MaxPerformances dates, or MaxSaleSeats seats in all. field names the new performance's input
// ("performances[3]", or "" when it is the whole body).
func CheckRoom(field string, p Performance, others []Performance) error {
	at := func(name string) string {
		if field == "" {
			return name
		}
		return field + "." + name
	}
	if len(others) >= MaxPerformances {
		return core.InvalidField(at("date"), "a sale has at most %d performances, and this one would be performance %d", MaxPerformances, len(others)+1)
	}
	seats := p.Seats()
	for _, o := range others {
		seats += o.Seats()
	}
	if seats > MaxSaleSeats {
		return core.InvalidField(at("sections"), "its %d seats would take the sale to %d, past the %d a sale may have in all; put the other dates on sale as a sale of their own",
			p.Seats(), seats, MaxSaleSeats)
	}
	return nil
}

// checkSections holds a seat map to its rules: 1 to MaxSections sections with distinct names
// and prices from 1 to MaxPrice, which taken in seat order cover seats 1..N, N at most
// MaxSeats, without gap or overlap. It sorts them into seat order.
func checkSections(sections []Section, field string) error {
	if len(sections) == 0 || len(sections) > MaxSections {
		return core.InvalidField(field, "a performance needs 1 to %d sections", MaxSections)
	}
	names := map[string]bool{}
	for i, s := range sections {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := checkSectionName(f+".name", s.Name); err != nil {
			return err
		}
		switch {
		case names[s.Name]:
			return core.InvalidField(f+".name", "%q names two sections", s.Name)
		case s.FirstSeat < FirstSeat:
			return core.InvalidField(f+".first_seat", "must be at least %d", FirstSeat)
		case s.LastSeat < s.FirstSeat:
			return core.InvalidField(f+".last_seat", "must not be below first_seat (%d)", s.FirstSeat)
		case s.LastSeat > MaxSeats:
			return core.InvalidField(f+".last_seat", "a performance has at most %d seats", MaxSeats)
		}
		if err := CheckPrice(f+".price", int64(s.Price)); err != nil {
			return err
		}
		names[s.Name] = true
	}
	slices.SortFunc(sections, func(a, b Section) int { return a.FirstSeat - b.FirstSeat })
	next := FirstSeat
	for _, s := range sections {
		switch {
		case s.FirstSeat == next+1:
			return core.InvalidField(field, "seat %d is in no section: sections must cover 1..N without gaps", next)
		case s.FirstSeat > next:
			return core.InvalidField(field, "seats %d to %d are in no section: sections must cover 1..N without gaps", next, s.FirstSeat-1)
		case s.FirstSeat < next:
			return core.InvalidField(field, "section %q overlaps the one before it at seat %d", s.Name, s.FirstSeat)
		}
		next = s.LastSeat + 1
	}
	return nil
}

// CheckPrice reports a seat price outside 1 to MaxPrice won; field names the input.
func CheckPrice(field string, price int64) error {
	if price < 1 || price > MaxPrice {
		return core.InvalidField(field, "must be a whole number of won from 1 to %d", MaxPrice)
	}
	return nil
}

// SaleDate parses a date a fan asks for: a performance date from today on, since a past one is
// no longer on sale.
func SaleDate(raw string, now time.Time) (core.Date, error) {
	d, err := core.ParseDate(raw)
	if err != nil {
		return core.Date{}, err
	}
	if d.Before(core.DateOf(now)) {
		return core.Date{}, ErrUnknownDate
	}
	return d, nil
}
