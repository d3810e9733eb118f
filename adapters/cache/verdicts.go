package cache

import (
	"context"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// verdicts is a catalog.Gate that remembers, for up to the staleness, the tokens the gate found
// admitted. Bounded: past maxVerdicts tokens it starts afresh.
type verdicts struct {
	gate      catalog.Gate
	clock     core.Clock
	staleness time.Duration
	mu        sync.Mutex
	byToken   map[core.ID]verdict
}

type verdict struct {
	user  core.UserID
	sale  core.SaleID
	until time.Time
}

const maxVerdicts = 100_000

// Admitted implements catalog.Gate, from a verdict younger than the staleness if there is one.
func (v *verdicts) Admitted(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error) {
	if v.staleness <= 0 {
		return v.gate.Admitted(ctx, c)
	}
	now := v.clock.Now()
	v.mu.Lock()
	got, ok := v.byToken[c.TokenID]
	v.mu.Unlock()
	// The claims must be those the gate checked: a token id alone proves nothing.
	if ok && now.Before(got.until) && got.user == c.UserID && (c.SaleID == "" || got.sale == c.SaleID) {
		return got.user, got.sale, nil
	}
	user, sale, err := v.gate.Admitted(ctx, c)
	if err != nil {
		return user, sale, err
	}
	v.mu.Lock()
	if v.byToken == nil || len(v.byToken) >= maxVerdicts {
		v.byToken = map[core.ID]verdict{}
	}
	v.byToken[c.TokenID] = verdict{user: user, sale: sale, until: now.Add(v.staleness)}
	v.mu.Unlock()
	return user, sale, nil
}
