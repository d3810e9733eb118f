package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// catalogChannel is where the triggers of sql/functions/catalog.sql announce a sale's change.
const catalogChannel = "boxoffice_catalog"

const (
	// listenerQuiet is how long the listener waits for a notification before it pings its
	// connection: a connection that died without a word (a partition, a half-open socket) is
	// found within twice this, and nothing is kept from then on.
	listenerQuiet = 10 * time.Second
	// offerMaxAge bounds how long an offer is kept even when no change is announced, a
	// backstop for a notification lost in a way the ping cannot see.
	offerMaxAge = time.Minute
)

// offerCache keeps, in process, the offers (a sale with one of its performances) that every hold
// reads, for as long as nothing changes them. Every change of a sale, its performances or their
// sections, from any instance or by hand, is announced on catalogChannel with the sale's id, and
// the cache's listener drops that sale's offers; this instance's own changes drop them at once.
// While the listener is not connected (starting, or reconnecting after its connection dropped,
// which a ping finds within 2 × listenerQuiet) nothing is kept, so a change it could have missed
// is never served, and no offer is kept longer than offerMaxAge. The listener needs a session
// of its own: behind a pooler in transaction mode, LISTEN delivers nothing. A copy may trail a change
// on another instance by the notification's delivery (milliseconds); holds do not depend on it:
// hold_seat reads the sale's state and the date's cancellation itself.
type offerCache struct {
	mu     sync.Mutex
	live   bool                   // the listener is connected: offers may be kept
	epoch  uint64                 // bumped when the listener connects or drops
	gens   map[core.SaleID]uint64 // bumped by each change of a sale
	offers map[offerKey]keptOffer // kept while live
	stop   context.CancelFunc
	done   chan struct{}
}

type offerKey struct {
	sale core.SaleID
	date core.Date
}

type keptOffer struct {
	catalog.Offer
	loaded time.Time
}

// newOfferCache starts the listener on a connection of its own, made like pool's.
func newOfferCache(pool *pgxpool.Pool) *offerCache {
	ctx, stop := context.WithCancel(context.Background())
	c := &offerCache{gens: map[core.SaleID]uint64{}, offers: map[offerKey]keptOffer{}, stop: stop, done: make(chan struct{})}
	go c.listen(ctx, pool.Config().ConnConfig)
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

// listen keeps a connection listening on catalogChannel until ctx ends, reconnecting after a
// second when it drops.
func (c *offerCache) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(c.done)
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, cfg)
		c.setLive(false)
		if ctx.Err() != nil {
			return
		}
		slog.WarnContext(ctx, "catalog changes: the listener's connection dropped; offers are read from the database until it is back", "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// listenOnce connects, listens and drops the offers of every sale announced, until the
// connection fails or ctx ends.
func (c *offerCache) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+catalogChannel); err != nil {
		return err
	}
	c.setLive(true)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenerQuiet)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			c.changed(core.SaleID(n.Payload))
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		// Quiet for a while: the connection must still answer, or changes could go unseen.
		pingCtx, cancel := context.WithTimeout(ctx, listenerQuiet)
		err = conn.Ping(pingCtx)
		cancel()
		if err != nil {
			return fmt.Errorf("ping the listener's connection: %w", err)
		}
	}
}

// close stops the listener.
func (c *offerCache) close() {
	c.stop()
	<-c.done
}
