package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/core"
)

// catalogChannel is where the triggers of sql/functions/catalog.sql announce a sale's change.
const catalogChannel = "boxoffice_catalog"

// listenerQuiet is how long the listener waits for a notification before it pings its
// connection: a connection that died without a word (a partition, a half-open socket) is found
// within twice this.
const listenerQuiet = 10 * time.Second

// catalogChanges is the one way every in-process copy of the catalog (the offers holds read,
// the directory of sales, the seat listings) hears that a sale changed: this instance's own
// writes announce it before they return, and a listener on catalogChannel hears every other
// change (another instance's, or one made by hand in SQL) as it commits. The listener needs a
// session of its own: behind a pooler in transaction mode, LISTEN delivers nothing, so it is
// live only once it has heard a probe sent through the store's pool, and a store whose pool
// goes through such a pooler is given a direct session to listen on (ListenOn). Watchers that
// keep copies only while the listener is live (the offers) are told when it becomes live and
// when it drops; the others bound their copies' age themselves.
type catalogChanges struct {
	mu       sync.Mutex
	changed  []func(core.SaleID)
	liveness []func(live bool)
	notify   func(ctx context.Context, payload string) error
	stop     context.CancelFunc
	done     chan struct{}
}

// newCatalogChanges starts the listener on a connection of its own, made from cfg; notify
// sends a notification on catalogChannel the way the store's writes do (through its pool).
func newCatalogChanges(cfg *pgx.ConnConfig, notify func(ctx context.Context, payload string) error) *catalogChanges {
	ctx, stop := context.WithCancel(context.Background())
	c := &catalogChanges{notify: notify, stop: stop, done: make(chan struct{})}
	go c.listen(ctx, cfg)
	return c
}

// watch calls f with a sale's id after every change of it.
func (c *catalogChanges) watch(f func(core.SaleID)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changed = append(c.changed, f)
}

// watchLiveness calls f when the listener connects (true) or drops (false).
func (c *catalogChanges) watchLiveness(f func(live bool)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.liveness = append(c.liveness, f)
}

// announce tells every watcher that the sale changed.
func (c *catalogChanges) announce(sale core.SaleID) {
	c.mu.Lock()
	fs := c.changed
	c.mu.Unlock()
	for _, f := range fs {
		f(sale)
	}
}

func (c *catalogChanges) setLive(live bool) {
	c.mu.Lock()
	fs := c.liveness
	c.mu.Unlock()
	for _, f := range fs {
		f(live)
	}
}

// listen keeps a connection listening on catalogChannel until ctx ends, reconnecting after a
// second when it drops.
func (c *catalogChanges) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(c.done)
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, cfg)
		c.setLive(false)
		if ctx.Err() != nil {
			return
		}
		retry := time.Second
		if errors.Is(err, errProbeUnheard) {
			retry = probeRetry
		}
		slog.WarnContext(ctx, "catalog changes: the listener is not hearing changes; offers are read from the database and other copies kept no longer than their bound until it is back", "error", err, "retry_in", retry)
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
}

// listenOnce connects, listens and announces every sale notified, until the connection fails
// or ctx ends.
func (c *catalogChanges) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
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
	if err := c.hearProbe(ctx, conn); err != nil {
		return err
	}
	c.setLive(true)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenerQuiet)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			c.heard(n.Payload)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		// Quiet for a while: the connection must still answer, or changes could go unheard.
		pingCtx, cancel := context.WithTimeout(ctx, listenerQuiet)
		err = conn.Ping(pingCtx)
		cancel()
		if err != nil {
			return fmt.Errorf("ping the listener's connection: %w", err)
		}
	}
}

// heard announces the sale a notification names; a probe (this listener's or another's) names
// none.
func (c *catalogChanges) heard(payload string) {
	if !strings.HasPrefix(payload, probePrefix) {
		c.announce(core.SaleID(payload))
	}
}

// probePrefix starts the payload of a listener's probe: no sale id has a colon.
const probePrefix = "probe:"

// probeWait is how long a listener waits to hear its probe; probeRetry how long it waits
// before listening again when it did not.
const (
	probeWait  = 5 * time.Second
	probeRetry = 30 * time.Second
)

var errProbeUnheard = errors.New("the listener did not hear a notification sent through the store's pool: " +
	"is DATABASE_URL a pooler in transaction mode (PgBouncer)? Give the store a direct session to listen on (DATABASE_DIRECT_URL)")

// hearProbe sends a probe through the store's pool and waits until conn hears it, announcing
// the changes it hears meanwhile: a LISTEN that went through a pooler in transaction mode
// returned as if it worked but hears nothing, and copies kept on its word would never be
// dropped.
func (c *catalogChanges) hearProbe(ctx context.Context, conn *pgx.Conn) error {
	probe := probePrefix + strconv.FormatInt(time.Now().UnixNano(), 36)
	waitCtx, cancel := context.WithTimeout(ctx, probeWait)
	defer cancel()
	if err := c.notify(waitCtx, probe); err != nil {
		return fmt.Errorf("send the listener's probe: %w", err)
	}
	for {
		n, err := conn.WaitForNotification(waitCtx)
		switch {
		case err == nil && n.Payload == probe:
			return nil
		case err == nil:
			c.heard(n.Payload)
		case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
			return errProbeUnheard
		default:
			return err
		}
	}
}

// close stops the listener.
func (c *catalogChanges) close() {
	c.stop()
	<-c.done
}
