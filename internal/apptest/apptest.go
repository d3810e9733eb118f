// Package apptest builds the world the use-case tests share: the composed application on the
// memory adapter, a clock the test moves by hand, and one performance on sale.
package apptest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/cache"
	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// ShowDate is the date of the world's performance: 50 seats at 50,000 won.
const ShowDate = "2030-07-01"

// Sale is the world's sale, on sale with ShowDate and a limit of 4 tickets a fan: the default
// sale, as the only one.
const Sale core.SaleID = "test-sale"

// Start is the world's time when a test begins.
var Start = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// Clock is a core.Clock a test moves by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now implements core.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// World is the application on the memory adapter with the test performance on sale.
type World struct {
	*app.App
	Store *memory.Store
	Clock *Clock
	Date  core.Date
	Sale  core.SaleID
	// Cancellations run performances' cancellations in goroutines; Wait for them.
	Cancellations *memory.Cancellations
}

// Option changes a part of the world before it is built.
type Option func(*options)

type options struct {
	stores    func(*memory.Store) app.Stores
	lifecycle func(*booking.Settler) booking.Lifecycle
	loop      queue.Loop
	observer  booking.Observer
}

// WithStores puts a wrapper around the memory store (to count or falsify what it answers).
func WithStores(wrap func(*memory.Store) app.Stores) Option {
	return func(o *options) { o.stores = wrap }
}

// WithLoop runs admission on another loop than the memory one (to make it fail).
func WithLoop(l queue.Loop) Option {
	return func(o *options) { o.loop = l }
}

// WithObserver has o hear what the booking path decides.
func WithObserver(o booking.Observer) Option {
	return func(opts *options) { opts.observer = o }
}

// WithLifecycle runs holds on another lifecycle than the memory one.
func WithLifecycle(l func(*booking.Settler) booking.Lifecycle) Option {
	return func(o *options) { o.lifecycle = l }
}

// New builds a world at Start under policy.
func New(t testing.TB, policy app.Policy, opts ...Option) *World {
	t.Helper()
	clk := NewClock(Start)
	store := memory.NewStore()
	o := options{
		stores: func(s *memory.Store) app.Stores { return s.Stores() },
		lifecycle: func(s *booking.Settler) booking.Lifecycle {
			l := memory.NewLifecycle(clk, s)
			t.Cleanup(l.Stop)
			return l
		},
	}
	o.loop = memory.NewAdmission(policy.Queue.Admission)
	for _, opt := range opts {
		opt(&o)
	}
	var runs *memory.Cancellations
	a, err := app.New(app.Ports{Stores: o.stores(store), Loop: o.loop, Lifecycle: o.lifecycle, Clock: clk, Observer: o.observer,
		Copies:        cache.New(clk, policy.Catalog.SeatsStaleness), // as every production instance
		Cancellations: func(r *booking.Refunder) booking.Cancellations { runs = memory.NewCancellations(r); return runs }}, policy)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Catalog.Admin.CreateSale(context.Background(), catalog.SaleSpec{
		ID: string(Sale), Title: "Test", Venue: "Test Hall",
		Performances: []catalog.PerformanceSpec{{Date: ShowDate, Sections: []catalog.Section{{Name: "General", FirstSeat: 1, LastSeat: 50, Price: 50_000}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := core.ParseDate(ShowDate)
	t.Cleanup(func() { _ = runs.Wait() })
	return &World{App: a, Store: store, Clock: clk, Date: d, Sale: Sale, Cancellations: runs}
}

// AddSale puts another sale on, with the sections given on ShowDate.
func (w *World) AddSale(t testing.TB, id core.SaleID, sections ...catalog.Section) {
	t.Helper()
	_, err := w.Catalog.Admin.CreateSale(context.Background(), catalog.SaleSpec{
		ID: string(id), Title: "Sale " + string(id), Venue: "Test Hall",
		Performances: []catalog.PerformanceSpec{{Date: ShowDate, Sections: sections}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Fan issues a token of the world's sale for user and, if admit, admits everyone waiting.
func (w *World) Fan(t testing.TB, user string, admit bool) core.Caller {
	t.Helper()
	return w.FanOf(t, w.Sale, user, admit)
}

// FanOf issues a token of a sale for user and, if admit, admits everyone waiting there.
func (w *World) FanOf(t testing.TB, sale core.SaleID, user string, admit bool) core.Caller {
	t.Helper()
	st, err := w.Queue.Entrance.Issue(context.Background(), user, string(sale))
	if err != nil {
		t.Fatal(err)
	}
	if admit {
		w.Admit(t, sale)
	}
	return CallerOf(st)
}

// Admit runs an admission tick of a sale that admits everyone waiting (up to 1,000).
func (w *World) Admit(t testing.TB, sale core.SaleID) queue.Result {
	t.Helper()
	res, err := w.Queue.Admitter.AdmitNext(context.Background(), sale, Admitting(1000, 1000))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// CallerOf is the caller a token's JWT would prove.
func CallerOf(st queue.Status) core.Caller {
	return core.Caller{TokenID: st.Token.ID, UserID: st.Token.UserID, SaleID: st.Token.SaleID, Seq: st.SignedSeq()}
}

// Admitting is the admission settings of a tick that admits up to rate fans (ticks of a
// second) under the ceiling.
func Admitting(rate, ceiling int) queue.Settings {
	return queue.Settings{AdmitRate: rate, MaxActive: ceiling, Tick: time.Second}
}

// WantErr fails the test unless err is want or wraps it.
func WantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}
