package memory

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

// EntryStore implements entry.Store.
type EntryStore struct{ *state }

// entryState is what the queues' door remembers: spent solutions until they expire, joins per
// address and minute, and the access codes.
type entryState struct {
	spent     map[string]time.Time // challenge → expiry
	quotas    map[quotaKey]int     // of the latest window only
	window    time.Time
	codes     map[string]*entry.AccessCode
	saleCodes map[core.SaleID][]string // oldest first
	redeemers map[codeFan]bool         // who redeemed which code
}

type codeFan struct {
	code string
	user core.UserID
}

type quotaKey struct {
	sale    core.SaleID
	address string
	window  time.Time
}

func newEntryState() entryState {
	return entryState{spent: map[string]time.Time{}, quotas: map[quotaKey]int{}, codes: map[string]*entry.AccessCode{}, saleCodes: map[core.SaleID][]string{},
		redeemers: map[codeFan]bool{}}
}

// spend records a solution as spent, unless it was: it reports whether it was fresh. Each new
// one looks at up to four others (map order is random) and drops the expired, so memory follows
// the solutions of the last ChallengeTTL.
func (d *entryState) spend(sol entry.Solution, now time.Time) bool {
	if _, spent := d.spent[sol.Challenge]; spent {
		return false
	}
	looked := 0
	for c, exp := range d.spent {
		if looked++; looked > 4 {
			break
		}
		if exp.Before(now) {
			delete(d.spent, c)
		}
	}
	d.spent[sol.Challenge] = sol.Expires
	return true
}

// TakeQuota implements entry.Store; a new window forgets the ones before.
func (d *EntryStore) TakeQuota(_ context.Context, sale core.SaleID, address string, window time.Time, limit int) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if window.After(d.fairEntry.window) {
		d.fairEntry.quotas, d.fairEntry.window = map[quotaKey]int{}, window
	}
	k := quotaKey{sale, address, window}
	if d.fairEntry.quotas[k] >= limit {
		return false, nil
	}
	d.fairEntry.quotas[k]++
	return true, nil
}

// ReturnQuota implements entry.Store.
func (d *EntryStore) ReturnQuota(_ context.Context, sale core.SaleID, address string, window time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if k := (quotaKey{sale, address, window}); d.fairEntry.quotas[k] > 0 {
		d.fairEntry.quotas[k]--
	}
	return nil
}

// AddCodes implements entry.Store.
func (d *EntryStore) AddCodes(_ context.Context, codes []entry.AccessCode) error {
	if err := entry.CheckBatch(codes); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range codes {
		d.fairEntry.codes[c.Code] = &c
		d.fairEntry.saleCodes[c.SaleID] = append(d.fairEntry.saleCodes[c.SaleID], c.Code)
	}
	return nil
}

// Codes implements entry.Store.
func (d *EntryStore) Codes(_ context.Context, sale core.SaleID) ([]entry.AccessCode, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]entry.AccessCode, 0, len(d.fairEntry.saleCodes[sale]))
	for _, code := range d.fairEntry.saleCodes[sale] {
		out = append(out, *d.fairEntry.codes[code])
	}
	return out, nil
}

// redeem takes one use of code for user's join of sale at now, none if user redeemed it
// before, or says why it cannot.
func (d *entryState) redeem(sale core.SaleID, user core.UserID, code string, now time.Time) error {
	if code == "" {
		return entry.ErrNoCode
	}
	c, ok := d.codes[code]
	if !ok {
		return entry.ErrUnknownCode
	}
	if d.redeemers[codeFan{code, user}] {
		return c.Readmits(sale, now)
	}
	if err := c.Redeemable(sale, now); err != nil {
		return err
	}
	c.UsesLeft--
	d.redeemers[codeFan{code, user}] = true
	return nil
}
