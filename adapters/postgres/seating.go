package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// OpenDates implements catalog.Seating.
func (s *Seating) OpenDates(ctx context.Context, sale core.SaleID, from core.Date, now time.Time) ([]core.Date, error) {
	of, err := s.OpenDatesOfSales(ctx, []core.SaleID{sale}, from, now)
	if dates := of[sale]; err == nil && dates == nil {
		return []core.Date{}, nil
	}
	return of[sale], err
}

// OpenDatesOfSales implements catalog.Seating: one statement whatever the number of sales.
func (s *Seating) OpenDatesOfSales(ctx context.Context, sales []core.SaleID, from core.Date, now time.Time) (map[core.SaleID][]core.Date, error) {
	ids := make([]string, len(sales))
	for i, id := range sales {
		ids[i] = string(id)
	}
	rows, err := s.q.PerformanceOpenDates(ctx, sqlcdb.PerformanceOpenDatesParams{SaleIds: ids, FromDate: from.Time(), Now: now})
	if err != nil {
		return nil, err
	}
	out := make(map[core.SaleID][]core.Date, len(sales))
	for _, r := range rows {
		out[core.SaleID(r.SaleID)] = append(out[core.SaleID(r.SaleID)], core.DateOf(r.PerfDate))
	}
	return out, nil
}

// Seats implements catalog.Seating.
func (s *Seating) Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	p, err := s.performance(ctx, sale, d)
	if err != nil {
		return nil, err
	}
	if err := p.CheckOn(); err != nil {
		return nil, err
	}
	rows, err := s.q.SeatListByDate(ctx, sqlcdb.SeatListByDateParams{SaleID: string(sale), PerfDate: d.Time(), Now: now})
	if err != nil {
		return nil, err
	}
	seats := make([]catalog.Seat, len(rows))
	for i, r := range rows {
		seats[i] = seatOf(p, int(r.SeatNo), r.Section, r.Available, r.TakenAt)
	}
	return seats, nil
}

// SeatsOfFan implements catalog.Seating.
func (s *Seating) SeatsOfFan(ctx context.Context, sale core.SaleID, d core.Date, user core.UserID, now time.Time) ([]catalog.Seat, error) {
	p, err := (&Catalog{s.db}).CachedOffer(ctx, sale, d) // the sections, which a fan's own write never changes
	if err != nil {
		return nil, err
	}
	rows, err := s.q.SeatListOfFan(ctx, sqlcdb.SeatListOfFanParams{SaleID: string(sale), PerfDate: d.Time(), UserID: string(user), Now: now})
	if err != nil {
		return nil, err
	}
	seats := make([]catalog.Seat, len(rows))
	for i, r := range rows {
		seats[i] = seatOf(p.Performance, int(r.SeatNo), r.Section, r.Available, r.TakenAt)
	}
	return seats, nil
}

// SeatCounts implements catalog.Seating.
func (s *Seating) SeatCounts(ctx context.Context, sale core.SaleID, now time.Time) (map[core.Date]catalog.SeatCounts, error) {
	rows, err := s.q.SeatCounts(ctx, sqlcdb.SeatCountsParams{SaleID: string(sale), Now: now})
	if err != nil {
		return nil, err
	}
	out := make(map[core.Date]catalog.SeatCounts, len(rows))
	for _, r := range rows {
		out[core.DateOf(r.PerfDate)] = catalog.SeatCounts{Available: int(r.Available), Held: int(r.Held), Sold: int(r.Sold)}
	}
	return out, nil
}
