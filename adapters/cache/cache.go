// Package cache keeps, in process, copies of what fans read most, each wrapping a port, so a
// rush costs the store one read per copy's age instead of one per request: a date's seats and
// the verdicts on admitted tokens, up to catalog.Policy.SeatsStaleness old; the directory of
// sales, up to catalog.DirectoryRefresh old; the queue counters polls compute positions from,
// up to queue.Policy.Refresh old. Every change of a sale the store announces (catalog.Changes:
// this instance's own writes at once, another instance's as soon as it hears of them) drops the
// catalog's copies of that sale, so one invalidation serves them all; the queue's use cases read
// the counters afresh after their own writes; each date's waitlist, which fans' places are
// counted from, up to LinesRefresh old. core/app puts the copies in front of the ports it is
// given (app.Ports.Copies).
package cache

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Copies builds the copies of one instance.
type Copies struct {
	clock     core.Clock
	staleness time.Duration
}

// New keeps seat listings and admitted verdicts up to staleness old (zero: no copy), and the
// directory up to catalog.DirectoryRefresh, by clock.
func New(clock core.Clock, staleness time.Duration) *Copies {
	return &Copies{clock: clock, staleness: staleness}
}

// Seating is seating with each date's seats read at most once per staleness, however many
// fans ask; changes drop a sale's copies.
func (c *Copies) Seating(seating catalog.Seating, changes catalog.Changes) catalog.Seating {
	s := &seats{Seating: seating, snapshots: seatSnapshots{staleness: c.staleness}}
	changes.OnChange(s.snapshots.changed)
	return s
}

// Gate is gate with the tokens it found admitted remembered for up to staleness, so a fan
// browsing page after page is not read from the store on each.
func (c *Copies) Gate(gate catalog.Gate) catalog.Gate {
	return &verdicts{gate: gate, clock: c.clock, staleness: c.staleness}
}

// Counters is counters with each sale's copy at most refresh old answering Copy.
func (c *Copies) Counters(counters queue.Counters, refresh time.Duration) queue.Counters {
	return &queueCounters{counters: counters, refresh: refresh}
}

// Lister is lister's public sales from a copy at most catalog.DirectoryRefresh old; changes
// drop it.
func (c *Copies) Lister(lister catalog.Lister, changes catalog.Changes) catalog.Lister {
	l := &listings{lister: lister, clock: c.clock}
	changes.OnChange(l.changed)
	return l
}
