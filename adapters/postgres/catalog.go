package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// AddPerformance implements catalog.Store.
func (s *Store) AddPerformance(ctx context.Context, p catalog.Performance) error {
	return s.inTx(ctx, func(q *sqlcdb.Queries) error {
		added, err := q.PerformanceInsert(ctx, sqlcdb.PerformanceInsertParams{
			PerfDate: p.Date.Time(), Concert: p.Concert, Price: int64(p.Price), SeatCount: int32(p.Seats),
		})
		if err != nil || added == 0 {
			return err
		}
		return q.SeatInsertRange(ctx, sqlcdb.SeatInsertRangeParams{PerfDate: p.Date.Time(), SeatCount: int32(p.Seats)})
	})
}

// Performance implements catalog.Store.
func (s *Store) Performance(ctx context.Context, d core.Date) (catalog.Performance, error) {
	row, err := s.q.PerformanceByDate(ctx, d.Time())
	if err != nil {
		return catalog.Performance{}, notFound(err, catalog.ErrUnknownDate)
	}
	return catalog.Performance{Date: core.DateOf(row.PerfDate), Concert: row.Concert, Price: core.Amount(row.Price), Seats: int(row.SeatCount)}, nil
}

// OpenDates implements catalog.Store.
func (s *Store) OpenDates(ctx context.Context, from core.Date, now time.Time) ([]core.Date, error) {
	rows, err := s.q.PerformanceOpenDates(ctx, sqlcdb.PerformanceOpenDatesParams{FromDate: from.Time(), Now: now})
	if err != nil {
		return nil, err
	}
	dates := make([]core.Date, len(rows))
	for i, r := range rows {
		dates[i] = core.DateOf(r)
	}
	return dates, nil
}

// Seats implements catalog.Store.
func (s *Store) Seats(ctx context.Context, d core.Date, now time.Time) ([]catalog.Seat, error) {
	rows, err := s.q.SeatListByDate(ctx, sqlcdb.SeatListByDateParams{PerfDate: d.Time(), Now: now})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, catalog.ErrUnknownDate
	}
	seats := make([]catalog.Seat, len(rows))
	for i, r := range rows {
		st := catalog.SeatReserved
		if r.Available {
			st = catalog.SeatAvailable
		}
		seats[i] = catalog.Seat{No: int(r.SeatNo), Status: st}
	}
	return seats, nil
}
