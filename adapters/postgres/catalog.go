package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// CreateSale implements catalog.Program in one transaction: the sale, then each performance
// with its sections and seats.
func (s *Catalog) CreateSale(ctx context.Context, sale catalog.Sale, perfs []catalog.Performance) error {
	defer s.changes.announce(sale.ID) // this instance reads its own change at once; the trigger tells the others
	return s.inTx(ctx, func(q *sqlcdb.Queries) error {
		until, fee := cancellationColumns(sale.Cancellation)
		added, err := q.SaleInsert(ctx, sqlcdb.SaleInsertParams{
			ID: string(sale.ID), Title: sale.Title, Venue: sale.Venue, State: sale.State.String(),
			MaxTicketsPerFan: int32(sale.MaxTicketsPerFan), CancelUntil: until, CancelFeePercent: fee, CreatedAt: sale.CreatedAt,
			PowMaxNumber: sale.Entry.PowMaxNumber, PresaleUntil: presaleColumn(sale.Entry),
		})
		if err != nil {
			return err
		}
		if added == 0 {
			return catalog.ErrSaleExists
		}
		for _, p := range perfs {
			if err := insertPerformance(ctx, q, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertPerformance(ctx context.Context, q *sqlcdb.Queries, p catalog.Performance) error {
	added, err := q.PerformanceInsert(ctx, sqlcdb.PerformanceInsertParams{
		SaleID: string(p.SaleID), PerfDate: p.Date.Time(), StartsAt: optionalTime(p.StartsAt), SeatCount: int32(p.Seats()),
	})
	if isForeignKeyViolation(err, "performances_sale_id_fkey") {
		return catalog.ErrUnknownSale
	}
	if err != nil {
		return err
	}
	if added == 0 {
		return catalog.ErrDateExists
	}
	for _, sec := range p.Sections {
		err := q.SectionInsert(ctx, sqlcdb.SectionInsertParams{
			SaleID: string(p.SaleID), PerfDate: p.Date.Time(), Name: sec.Name,
			FirstSeat: int32(sec.FirstSeat), LastSeat: int32(sec.LastSeat), Price: int64(sec.Price),
		})
		if err != nil {
			return err
		}
		err = q.SeatInsertSection(ctx, sqlcdb.SeatInsertSectionParams{
			SaleID: string(p.SaleID), PerfDate: p.Date.Time(), FirstSeat: int32(sec.FirstSeat), LastSeat: int32(sec.LastSeat), Section: sec.Name,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Sale implements catalog.Program.
func (s *Catalog) Sale(ctx context.Context, id core.SaleID) (catalog.Sale, error) {
	row, err := s.q.SaleByID(ctx, string(id))
	if err != nil {
		return catalog.Sale{}, notFound(err, catalog.ErrUnknownSale)
	}
	return saleFromRow(row)
}

// Sales implements catalog.Program.
func (s *Catalog) Sales(ctx context.Context) ([]catalog.Sale, error) {
	rows, err := s.q.SaleList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Sale, len(rows))
	for i, r := range rows {
		if out[i], err = saleFromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateSale implements catalog.Program under the sale row's lock.
func (s *Catalog) UpdateSale(ctx context.Context, id core.SaleID, change func(catalog.Sale) (catalog.Sale, error)) (catalog.Sale, error) {
	defer s.changes.announce(id) // this instance reads its own change at once; the trigger tells the others
	var out catalog.Sale
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		row, err := q.SaleLock(ctx, string(id))
		if err != nil {
			return notFound(err, catalog.ErrUnknownSale)
		}
		sale, err := saleFromRow(row)
		if err != nil {
			return err
		}
		if out, err = change(sale); err != nil {
			return err
		}
		if e, changed := webhook.SaleStateChangedEvent(sale, out, time.Now()); changed {
			if err := publish(ctx, q, e); err != nil {
				return err
			}
		}
		until, fee := cancellationColumns(out.Cancellation)
		err = q.SaleUpdate(ctx, sqlcdb.SaleUpdateParams{
			ID: string(id), Title: out.Title, State: out.State.String(), MaxTicketsPerFan: int32(out.MaxTicketsPerFan),
			CancelUntil: until, CancelFeePercent: fee, PowMaxNumber: out.Entry.PowMaxNumber, PresaleUntil: presaleColumn(out.Entry),
		})
		switch {
		case err != nil || sale.State == out.State:
			return err
		case out.State == core.Closed:
			return q.WaitlistExpireSale(ctx, string(id)) // its lines will never move
		case out.State == core.OnSale:
			return q.WaitlistOfferSale(ctx, string(id)) // what came back while it was off sale
		}
		return nil
	})
	return out, err
}

// AddPerformance implements catalog.Program.
func (s *Catalog) AddPerformance(ctx context.Context, p catalog.Performance) error {
	defer s.changes.announce(p.SaleID) // this instance reads its own change at once; the trigger tells the others
	return s.inTx(ctx, func(q *sqlcdb.Queries) error { return insertPerformance(ctx, q, p) })
}

// Performances implements catalog.Program.
func (s *Catalog) Performances(ctx context.Context, sale core.SaleID) ([]catalog.Performance, error) {
	of, err := s.PerformancesOfSales(ctx, []core.SaleID{sale})
	return of[sale], err
}

// PerformancesOfSales implements catalog.Program: two statements whatever the number of sales.
func (s *Catalog) PerformancesOfSales(ctx context.Context, sales []core.SaleID) (map[core.SaleID][]catalog.Performance, error) {
	ids := make([]string, len(sales))
	for i, id := range sales {
		ids[i] = string(id)
	}
	rows, err := s.q.PerformanceList(ctx, ids)
	if err != nil {
		return nil, err
	}
	sections, err := s.q.SectionListOfSales(ctx, ids)
	if err != nil {
		return nil, err
	}
	type perfKey struct {
		sale string
		date time.Time
	}
	byDate := map[perfKey][]catalog.Section{}
	for _, sec := range sections {
		k := perfKey{sec.SaleID, sec.PerfDate}
		byDate[k] = append(byDate[k], sectionFromRow(sec))
	}
	out := make(map[core.SaleID][]catalog.Performance, len(sales))
	for _, r := range rows {
		sale := core.SaleID(r.SaleID)
		out[sale] = append(out[sale], performanceFromRow(sale, r.PerfDate, r.StartsAt, r.CancelledAt, byDate[perfKey{r.SaleID, r.PerfDate}]))
	}
	return out, nil
}

// Performance implements catalog.Program.
func (s *Catalog) Performance(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Performance, error) {
	return s.performance(ctx, sale, d)
}

// performance reads one performance with its sections.
func (d *db) performance(ctx context.Context, sale core.SaleID, date core.Date) (catalog.Performance, error) {
	row, err := d.q.PerformanceByDate(ctx, sqlcdb.PerformanceByDateParams{SaleID: string(sale), PerfDate: date.Time()})
	if err != nil {
		return catalog.Performance{}, notFound(err, catalog.ErrUnknownDate)
	}
	day := date.Time()
	sections, err := d.q.SectionList(ctx, sqlcdb.SectionListParams{SaleID: string(sale), PerfDate: &day})
	if err != nil {
		return catalog.Performance{}, err
	}
	secs := make([]catalog.Section, len(sections))
	for i, sec := range sections {
		secs[i] = sectionFromRow(sec)
	}
	return performanceFromRow(sale, row.PerfDate, row.StartsAt, row.CancelledAt, secs), nil
}

// CancelPerformance implements catalog.Program.
func (s *Catalog) CancelPerformance(ctx context.Context, sale core.SaleID, d core.Date, at time.Time) (catalog.Performance, error) {
	defer s.changes.announce(sale) // this instance reads its own change at once; the trigger tells the others
	err := s.inTx(ctx, func(q *sqlcdb.Queries) error {
		row, err := q.PerformanceCancel(ctx, sqlcdb.PerformanceCancelParams{SaleID: string(sale), PerfDate: d.Time(), At: at})
		if err != nil || !row.Newly {
			return notFound(err, catalog.ErrUnknownDate)
		}
		if err := q.WaitlistExpireDate(ctx, sqlcdb.WaitlistExpireDateParams{SaleID: string(sale), PerfDate: d.Time()}); err != nil {
			return err
		}
		return publish(ctx, q, webhook.PerformanceCancelledEvent(catalog.Performance{SaleID: sale, Date: d, CancelledAt: *row.CancelledAt}))
	})
	if err != nil {
		return catalog.Performance{}, err
	}
	return s.Performance(ctx, sale, d)
}

// Offer implements catalog.Program.
func (s *Catalog) Offer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error) {
	sl, err := s.Sale(ctx, sale)
	if err != nil {
		return catalog.Offer{}, err
	}
	p, err := s.Performance(ctx, sale, d)
	if err != nil {
		return catalog.Offer{}, err
	}
	return catalog.Offer{Sale: sl, Performance: p}, nil
}

// CachedOffer implements catalog.Program from the offer cache.
func (s *Catalog) CachedOffer(ctx context.Context, sale core.SaleID, d core.Date) (catalog.Offer, error) {
	return s.offers.offer(ctx, offerKey{sale, d}, func(ctx context.Context) (catalog.Offer, error) { return s.Offer(ctx, sale, d) })
}

// seatOf is a seat row as fans see it: reserved unless available, at the price it was taken at
// when it is reserved, else its section's.
func seatOf(p catalog.Performance, no int, section string, available bool, takenAt *int64) catalog.Seat {
	seat := catalog.Seat{No: no, Status: catalog.SeatReserved, Section: section}
	sec, _ := p.Section(section)
	seat.Price = sec.Price
	switch {
	case available:
		seat.Status = catalog.SeatAvailable
	case takenAt != nil:
		seat.Price = core.Amount(*takenAt)
	}
	return seat
}

// OnChange implements catalog.Changes: this instance's own writes, and every other change the
// listener hears.
func (s *Catalog) OnChange(changed func(core.SaleID)) { s.changes.watch(changed) }

// RepriceSection implements catalog.Program.
func (s *Catalog) RepriceSection(ctx context.Context, sale core.SaleID, d core.Date, section string, price core.Amount, now time.Time) (int, error) {
	defer s.changes.announce(sale) // this instance reads its own change at once; the trigger tells the others
	if _, err := s.q.PerformanceByDate(ctx, sqlcdb.PerformanceByDateParams{SaleID: string(sale), PerfDate: d.Time()}); err != nil {
		return 0, notFound(err, catalog.ErrUnknownDate)
	}
	row, err := s.q.SectionReprice(ctx, sqlcdb.SectionRepriceParams{SaleID: string(sale), PerfDate: d.Time(), Name: section, Price: int64(price), Now: now})
	if err != nil {
		return 0, err
	}
	if row.Found == 0 {
		return 0, catalog.ErrUnknownSection
	}
	return int(row.Repriced), nil
}

func saleFromRow(r sqlcdb.Sale) (catalog.Sale, error) {
	state, err := core.ParseSaleState("state", r.State)
	if err != nil {
		return catalog.Sale{}, err
	}
	s := catalog.Sale{ID: core.SaleID(r.ID), Title: r.Title, Venue: r.Venue, State: state, MaxTicketsPerFan: int(r.MaxTicketsPerFan), CreatedAt: r.CreatedAt.UTC(),
		Entry: core.EntryRules{PowMaxNumber: r.PowMaxNumber}}
	if r.PresaleUntil != nil {
		s.Entry.PresaleUntil = r.PresaleUntil.UTC()
	}
	if r.CancelUntil != nil && r.CancelFeePercent != nil {
		until, err := core.ParseISODuration("cancel_until", *r.CancelUntil)
		if err != nil {
			return catalog.Sale{}, err
		}
		s.Cancellation = &catalog.CancellationPolicy{UntilBeforeShow: until, FeePercent: int(*r.CancelFeePercent)}
	}
	return s, nil
}

// presaleColumn stores no presale as NULL.
func presaleColumn(r core.EntryRules) *time.Time {
	if r.PresaleUntil.IsZero() {
		return nil
	}
	return &r.PresaleUntil
}

// cancellationColumns stores a policy as its ISO 8601 duration and fee; nil as NULLs.
func cancellationColumns(c *catalog.CancellationPolicy) (*string, *int32) {
	if c == nil {
		return nil, nil
	}
	until, fee := core.FormatISODuration(c.UntilBeforeShow), int32(c.FeePercent)
	return &until, &fee
}

func sectionFromRow(r sqlcdb.Section) catalog.Section {
	return catalog.Section{Name: r.Name, FirstSeat: int(r.FirstSeat), LastSeat: int(r.LastSeat), Price: core.Amount(r.Price)}
}

func performanceFromRow(sale core.SaleID, date time.Time, startsAt, cancelledAt *time.Time, sections []catalog.Section) catalog.Performance {
	p := catalog.Performance{SaleID: sale, Date: core.DateOf(date), Sections: sections}
	if startsAt != nil {
		p.StartsAt = startsAt.UTC()
	}
	if cancelledAt != nil {
		p.CancelledAt = cancelledAt.UTC()
	}
	return p
}

// valueOrZero maps NULL to the zero value.
func valueOrZero[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

// timeOrZero maps NULL to the zero time, and a time to UTC.
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// optionalTime maps the zero time to NULL.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
