package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// offerMaxAge bounds how long an offer is kept even when no change is announced, a backstop
// for a notification lost in a way the listener's ping cannot see.
const offerMaxAge = time.Minute

// offerCache keeps, in process, the offers (a sale with one of its performances) that every hold
// reads, for as long as nothing changes them: catalogChanges drops a sale's offers at each of
// its changes. While the listener is not connected (starting, or reconnecting after its
// connection dropped, which a ping finds within 2 × listenerQuiet) nothing is kept, so a change
// it could have missed is never served, and no offer is kept longer than offerMaxAge. A copy may
// trail a change on another instance by the notification's delivery (milliseconds); holds do not
// depend on it: hold_seat reads the sale's state and the date's cancellation itself.
type offerCache struct {
	mu     sync.Mutex
	live   bool                   // the listener is connected: offers may be kept
	epoch  uint64                 // bumped when the listener connects or drops
	gens   map[core.SaleID]uint64 // bumped by each change of a sale
	offers map[offerKey]keptOffer // kept while live
}

type offerKey struct {
	sale core.SaleID
	date core.Date
}

type keptOffer struct {
	catalog.Offer
	loaded time.Time
}

// newOfferCache keeps offers as changes tells it may.
func newOfferCache(changes *catalogChanges) *offerCache {
	c := &offerCache{gens: map[core.SaleID]uint64{}, offers: map[offerKey]keptOffer{}}
	changes.watch(c.changed)
	changes.watchLiveness(c.setLive)
	return c
}

// offer returns the cached offer, or loads it and keeps it unless its sale changed, or the
// listener connected or dropped, while it loaded.
func (c *offerCache) offer(ctx context.Context, k offerKey, load func(context.Context) (catalog.Offer, error)) (catalog.Offer, error) {
	c.mu.Lock()
	if o, ok := c.offers[k]; ok && time.Since(o.loaded) < offerMaxAge {
		c.mu.Unlock()
		return o.Offer, nil
	}
	epoch, gen := c.epoch, c.gens[k.sale]
	c.mu.Unlock()
	loaded := time.Now()
	o, err := load(ctx)
	if err != nil {
		return o, err
	}
	c.mu.Lock()
	if c.live && c.epoch == epoch && c.gens[k.sale] == gen {
		c.offers[k] = keptOffer{Offer: o, loaded: loaded}
	}
	c.mu.Unlock()
	return o, nil
}

// changed drops a sale's offers.
func (c *offerCache) changed(sale core.SaleID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[sale]++
	for k := range c.offers {
		if k.sale == sale {
			delete(c.offers, k)
		}
	}
}

// setLive records that the listener connected (true) or dropped (false); either way what was
// kept, and what is loading, may have missed a change.
func (c *offerCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.epoch++
	clear(c.offers)
}
