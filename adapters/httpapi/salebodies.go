package httpapi

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// The bodies of sales as operators write and read them (admin_sales.go) and fans find them
// (sales.go), with their conversions to and from the catalog's types.

// SectionBody is a run of seats at one price.
type SectionBody struct {
	Name      sectionNameField `json:"name" doc:"The section's name, unique in its performance: 1 to 64 characters with a visible one, no control characters (a tab is one) or bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069), and usable as a path segment (no / or \\, not . or ..)." example:"Floor"`
	FirstSeat seatField        `json:"first_seat" doc:"Its first seat." example:"1"`
	LastSeat  lastSeatField    `json:"last_seat" doc:"Its last seat; sections cover seats 1..N without gaps or overlaps." example:"20"`
	Price     priceField       `json:"price" doc:"Price of each of its seats, in won." example:"150000"`
}

// PerformanceSpecBody is a performance as an operator puts it on.
type PerformanceSpecBody struct {
	Date     string        `json:"date" format:"date" doc:"The show's date, YYYY-MM-DD, today or later." example:"2030-09-01"`
	StartsAt *time.Time    `json:"starts_at,omitempty" doc:"When the show starts (RFC 3339): on its date in the UTC offset it is written with, or before 06:00 the morning after for a show past midnight (date 2030-09-01, 2030-09-02T01:30:00+09:00); 00:00 UTC of its date when absent. Cancellation deadlines count back from it."`
	Sections []SectionBody `json:"sections" minItems:"1" doc:"The seat map: sections covering seats 1..N (N at most 100,000) without gaps or overlaps."`
}

// CancellationBody is when and at what fee fans may give a paid ticket back.
type CancellationBody struct {
	UntilBeforeShow string `json:"until_before_show" doc:"ISO 8601 duration, PT0S to P36500D: fans may cancel until this long before the show starts. Each designator (W, D, then T, H, M, S) at most once, in that order." example:"P2D"`
	FeePercent      int    `json:"fee_percent" minimum:"0" maximum:"100" doc:"Percent of the price kept as a fee (rounded down); the rest is refunded." example:"10"`
}

// QueueSpecBody is what an operator sets of a new sale's waiting room.
type QueueSpecBody struct {
	AdmitRate  *admitRateField `json:"admit_rate,omitempty" doc:"Fans admitted per second; the service's default when absent."`
	MaxActive  *ceilingField   `json:"max_active,omitempty" doc:"Ceiling on fans admitted at once; the service's default when absent."`
	SessionTTL string          `json:"session_ttl,omitempty" doc:"ISO 8601 duration an admitted fan may book for, above zero and at most PT24H; the service's default when absent." example:"PT10M"`
	OpensAt    *time.Time      `json:"opens_at,omitempty" doc:"When the sale opens (RFC 3339, in the future): fans who arrive before are placed by a random draw then. First come, first served from the first token when absent."`
}

// EntryBody is how a sale lets fans into its queue.
type EntryBody struct {
	PowMaxNumber int64      `json:"pow_max_number,omitempty" minimum:"0" maximum:"10000000" doc:"The proof of work's difficulty: each join must find a number up to it (ALTCHA's maxnumber). A browser tries half of them on average, 25,000 to 80,000 a second with ALTCHA's library (headless Chromium on 2 cores): about a second at 100,000, five to ten at 1,000,000. 0, the default, asks for none." example:"100000"`
	PresaleUntil *time.Time `json:"presale_until,omitempty" doc:"Until when (RFC 3339, in the future) only fans with an access code may join (POST /api/admin/sales/{sale_id}/access-codes makes them); absent: no presale."`
}

func (b EntryBody) rules() core.EntryRules {
	r := core.EntryRules{PowMaxNumber: b.PowMaxNumber}
	if b.PresaleUntil != nil {
		r.PresaleUntil = b.PresaleUntil.UTC()
	}
	return r
}

// EntryRulesBody is a sale's entry rules as operators read them: the difficulty always shown.
type EntryRulesBody struct {
	PowMaxNumber int64      `json:"pow_max_number" doc:"The proof of work's difficulty; 0: none asked."`
	PresaleUntil *time.Time `json:"presale_until,omitempty" doc:"The presale's end (RFC 3339, UTC); absent: no presale."`
}

func entryBody(r core.EntryRules) EntryRulesBody {
	b := EntryRulesBody{PowMaxNumber: r.PowMaxNumber}
	if !r.PresaleUntil.IsZero() {
		at := r.PresaleUntil.UTC()
		b.PresaleUntil = &at
	}
	return b
}

// SaleSpecBody is a sale as an operator puts it on.
type SaleSpecBody struct {
	SaleID           saleIDField           `json:"sale_id" doc:"The sale's id: 3 to 64 lowercase letters, digits and -." example:"autumn-nights"`
	Title            titleField            `json:"title" doc:"What fans see the sale as: 1 to 200 characters with a visible one, no control characters (a tab is one) or bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069)." example:"Autumn Nights"`
	Venue            titleField            `json:"venue" doc:"Where the performances are, under the title's rules." example:"Riverside Arena"`
	State            string                `json:"state,omitempty" enum:"draft,on_sale" doc:"on_sale (the default) opens the queue to fans at once; draft keeps the sale hidden until PATCHed on_sale."`
	MaxTicketsPerFan *ticketLimitField     `json:"max_tickets_per_fan,omitempty" doc:"Tickets one fan may hold and buy in the sale together; 4 when absent."`
	Cancellation     *CancellationBody     `json:"cancellation,omitempty" doc:"When fans may cancel a paid ticket for a refund; not cancellable when absent."`
	Queue            *QueueSpecBody        `json:"queue,omitempty" doc:"The waiting room's settings."`
	Entry            *EntryBody            `json:"entry,omitempty" doc:"How fans may join its queue: a proof of work, a presale; neither when absent."`
	Performances     []PerformanceSpecBody `json:"performances" minItems:"1" doc:"The sale's dates, each with its seat map: at most 100 dates, and 500,000 seats in all."`
}

// SeatCountsBody counts a performance's seats by status.
type SeatCountsBody struct {
	Available int `json:"available" doc:"Seats free to hold, lapsed holds included."`
	Held      int `json:"held" doc:"Seats held and not paid, before their deadline."`
	Sold      int `json:"sold" doc:"Seats paid for."`
}

// PerformanceBody is a performance as operators read it.
type PerformanceBody struct {
	Date     string         `json:"date" format:"date"`
	StartsAt *time.Time     `json:"starts_at,omitempty" doc:"When the show starts (RFC 3339, UTC), if set."`
	Seats    int            `json:"seats" doc:"N in seats 1..N."`
	Sections []SectionBody  `json:"sections"`
	Counts   SeatCountsBody `json:"counts" doc:"Its seats by status now."`
}

// SaleBody is a sale as operators read it: as created, with live counts and its queue.
type SaleBody struct {
	SaleID           string            `json:"sale_id"`
	Title            string            `json:"title"`
	Venue            string            `json:"venue"`
	State            string            `json:"state" enum:"draft,on_sale,paused,closed"`
	MaxTicketsPerFan int               `json:"max_tickets_per_fan"`
	Cancellation     *CancellationBody `json:"cancellation,omitempty" doc:"Absent: tickets of this sale cannot be cancelled."`
	Entry            EntryRulesBody    `json:"entry" doc:"How fans may join its queue."`
	CreatedAt        time.Time         `json:"created_at"`
	Performances     []PerformanceBody `json:"performances"`
	Queue            QueueReportBody   `json:"queue" doc:"The waiting room's statistics and settings, as GET /api/admin/sales/{sale_id}/queue gives them."`
}

// spec is the catalog's sale spec of a body; durations are parsed here, where their fields
// are named.
func (b SaleSpecBody) spec() (catalog.SaleSpec, error) {
	spec := catalog.SaleSpec{ID: string(b.SaleID), Title: string(b.Title), Venue: string(b.Venue), State: b.State}
	if b.MaxTicketsPerFan != nil {
		spec.MaxTicketsPerFan = int(*b.MaxTicketsPerFan)
	}
	var err error
	if spec.Cancellation, err = b.Cancellation.policy("cancellation"); err != nil {
		return catalog.SaleSpec{}, err
	}
	if b.Queue != nil {
		if spec.Queue, err = b.Queue.spec(); err != nil {
			return catalog.SaleSpec{}, err
		}
	}
	if b.Entry != nil {
		spec.Entry = b.Entry.rules()
	}
	for _, p := range b.Performances {
		spec.Performances = append(spec.Performances, p.spec())
	}
	return spec, nil
}

func (b *CancellationBody) policy(field string) (*catalog.CancellationPolicy, error) {
	if b == nil {
		return nil, nil
	}
	until, err := core.ParseISODuration(field+".until_before_show", b.UntilBeforeShow)
	if err != nil {
		return nil, err
	}
	return &catalog.CancellationPolicy{UntilBeforeShow: until, FeePercent: b.FeePercent}, nil
}

func (b QueueSpecBody) spec() (catalog.QueueSpec, error) {
	var q catalog.QueueSpec
	if b.AdmitRate != nil {
		q.AdmitRate = int(*b.AdmitRate)
	}
	if b.MaxActive != nil {
		q.MaxActive = int(*b.MaxActive)
	}
	if b.SessionTTL != "" {
		ttl, err := parseSessionTTL("queue.session_ttl", b.SessionTTL)
		if err != nil {
			return catalog.QueueSpec{}, err
		}
		q.SessionTTL = ttl
	}
	if b.OpensAt != nil {
		q.OpensAt = b.OpensAt.UTC()
	}
	return q, nil
}

func (b PerformanceSpecBody) spec() catalog.PerformanceSpec {
	p := catalog.PerformanceSpec{Date: b.Date, Sections: make([]catalog.Section, len(b.Sections))}
	if b.StartsAt != nil {
		p.StartsAt = *b.StartsAt // in the offset it was written with, which tells its day
	}
	for i, s := range b.Sections {
		p.Sections[i] = catalog.Section{Name: string(s.Name), FirstSeat: int(s.FirstSeat), LastSeat: int(s.LastSeat), Price: core.Amount(s.Price)}
	}
	return p
}

func sectionBodies(sections []catalog.Section) []SectionBody {
	out := make([]SectionBody, len(sections))
	for i, s := range sections {
		out[i] = SectionBody{Name: sectionNameField(s.Name), FirstSeat: seatField(s.FirstSeat), LastSeat: lastSeatField(s.LastSeat), Price: priceField(s.Price)}
	}
	return out
}

func cancellationBody(c *catalog.CancellationPolicy) *CancellationBody {
	if c == nil {
		return nil
	}
	return &CancellationBody{UntilBeforeShow: core.FormatISODuration(c.UntilBeforeShow), FeePercent: c.FeePercent}
}

// saleBody is an operator's view of a sale with its queue's report.
func saleBody(r catalog.SaleReport, queue QueueReportBody) SaleBody {
	s := r.Sale
	body := SaleBody{
		SaleID: string(s.ID), Title: s.Title, Venue: s.Venue, State: s.State.String(), MaxTicketsPerFan: s.MaxTicketsPerFan,
		Cancellation: cancellationBody(s.Cancellation), Entry: entryBody(s.Entry), CreatedAt: s.CreatedAt.UTC(), Performances: make([]PerformanceBody, len(r.Performances)),
		Queue: queue,
	}
	for i, p := range r.Performances {
		c := r.Counts[p.Date]
		body.Performances[i] = PerformanceBody{Date: p.Date.String(), Seats: p.Seats(), Sections: sectionBodies(p.Sections),
			Counts: SeatCountsBody{Available: c.Available, Held: c.Held, Sold: c.Sold}}
		if !p.StartsAt.IsZero() {
			at := p.StartsAt.UTC()
			body.Performances[i].StartsAt = &at
		}
	}
	return body
}
