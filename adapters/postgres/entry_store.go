package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/adapters/postgres/internal/sqlcdb"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

// EntryStore implements entry.Store: joins per address and minute, and access codes.
type EntryStore struct{ *db }

// forgetExpired deletes, at most once a minute per instance, spent proofs whose challenge has
// expired and quota windows past, in the background: nobody's join waits on it (Close does).
func (d *db) forgetExpired(ctx context.Context) {
	now := time.Now()
	last := d.forgotAt.Load()
	if now.Unix()-last < 60 || !d.forgotAt.CompareAndSwap(last, now.Unix()) {
		return
	}
	d.sweepMu.Lock()
	defer d.sweepMu.Unlock()
	if d.closing {
		return
	}
	d.sweeps.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		for {
			// A minute's margin: an instance whose clock runs behind still refuses them.
			n, err := d.q.ProofsForget(ctx, now.Add(-time.Minute))
			if err != nil || n < 10_000 {
				break
			}
		}
		_ = d.q.QuotasForget(ctx, now.Add(-2*time.Minute))
	})
}

// TakeQuota implements entry.Store.
func (d *EntryStore) TakeQuota(ctx context.Context, sale core.SaleID, address string, window time.Time, limit int) (bool, error) {
	d.forgetExpired(ctx)
	_, err := d.q.QuotaTake(ctx, sqlcdb.QuotaTakeParams{SaleID: string(sale), Address: address, WindowFrom: window, MaxJoins: int32(limit)})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ReturnQuota implements entry.Store.
func (d *EntryStore) ReturnQuota(ctx context.Context, sale core.SaleID, address string, window time.Time) error {
	return d.q.QuotaReturn(ctx, sqlcdb.QuotaReturnParams{WindowFrom: window, SaleID: string(sale), Address: address})
}

// AddCodes implements entry.Store: one statement for the codes of one request, which share
// their sale, expiry and creation.
func (d *EntryStore) AddCodes(ctx context.Context, codes []entry.AccessCode) error {
	if len(codes) == 0 {
		return nil
	}
	if err := entry.CheckBatch(codes); err != nil {
		return err
	}
	p := sqlcdb.CodeInsertParams{SaleID: string(codes[0].SaleID), CreatedAt: codes[0].CreatedAt}
	if !codes[0].ExpiresAt.IsZero() {
		p.ExpiresAt = &codes[0].ExpiresAt
	}
	for _, c := range codes {
		p.Codes, p.Uses = append(p.Codes, c.Code), append(p.Uses, int32(c.Uses))
	}
	return d.q.CodeInsert(ctx, p)
}

// Codes implements entry.Store.
func (d *EntryStore) Codes(ctx context.Context, sale core.SaleID) ([]entry.AccessCode, error) {
	rows, err := d.q.CodesOfSale(ctx, string(sale))
	if err != nil {
		return nil, err
	}
	out := make([]entry.AccessCode, len(rows))
	for i, r := range rows {
		out[i] = codeFromRow(r)
	}
	return out, nil
}

func codeFromRow(r sqlcdb.AccessCode) entry.AccessCode {
	c := entry.AccessCode{Code: r.Code, SaleID: core.SaleID(r.SaleID), Uses: int(r.Uses), UsesLeft: int(r.UsesLeft), CreatedAt: r.CreatedAt.UTC()}
	if r.ExpiresAt != nil {
		c.ExpiresAt = r.ExpiresAt.UTC()
	}
	return c
}
