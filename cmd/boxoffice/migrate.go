package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// runMigrate applies the embedded migrations to DATABASE_URL, and with --demo puts the demo
// sale on.
func runMigrate(ctx context.Context, args []string) error {
	var demo bool
	var seats int
	c, err := parseFlags("migrate", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "also put the demo sale on ("+string(demoSale)+", 3 dates)")
		fs.IntVar(&seats, "demo-seats", catalog.DefaultSeatsPerPerformance, "seats per demo date")
	})
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		return fmt.Errorf("migrate needs DATABASE_URL (or --database-url)")
	}
	if demo && (seats < 1 || seats > catalog.MaxSeats) {
		return fmt.Errorf("--demo-seats must be 1 to %d", catalog.MaxSeats)
	}
	pool, err := connectDatabase(ctx, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, storeOpts, err := migrateDirect(ctx, c, pool)
	if err != nil {
		return err
	}
	fmt.Printf("applied %d migration(s)\n", n)
	if !demo {
		return nil
	}
	store := postgres.NewStore(pool, storeOpts...)
	defer func() { _ = store.Close(context.WithoutCancel(ctx)) }()
	a, err := app.New(app.Ports{
		Stores: store.Stores(), Loop: workerStartsAdmission{}, Clock: core.SystemClock{},
		Lifecycle:     func(*booking.Settler) booking.Lifecycle { return noHolds{} },
		Cancellations: func(*booking.Refunder) booking.Cancellations { return noHolds{} },
	}, c.policy())
	if err != nil {
		return err
	}
	r, err := loadDemo(ctx, a.Catalog.Admin, core.DateOf(core.SystemClock{}.Now()), seats)
	if err != nil {
		return err
	}
	fmt.Println("demo sale on:", describeDemo(r))
	return nil
}

// errNoWorker is what migrate answers for the parts of the application only roles run.
var errNoWorker = errors.New("boxoffice migrate runs no workflows: start a worker (serve or worker)")

// workerStartsAdmission is migrate's admission loop: a new sale's settings are recorded in its
// queue, and the worker starts its loop from them when it starts (app.ResumeAdmission).
type workerStartsAdmission struct{}

func (workerStartsAdmission) Start(context.Context, core.SaleID, queue.Settings) error { return nil }

func (workerStartsAdmission) Settings(context.Context, core.SaleID) (queue.Settings, error) {
	return queue.Settings{}, errNoWorker
}

func (workerStartsAdmission) Change(context.Context, core.SaleID, queue.Change) (queue.Settings, error) {
	return queue.Settings{}, errNoWorker
}

// Wake does nothing: the worker's loop starts with a round when the worker starts.
func (workerStartsAdmission) Wake(core.SaleID) {}

// noHolds is migrate's hold lifecycle and cancellations: it takes no holds and cancels no
// performance.
type noHolds struct{}

func (noHolds) Start(context.Context, core.SaleID, core.Date) error { return errNoWorker }

func (noHolds) StartHold(context.Context, booking.Reservation) error { return errNoWorker }

func (noHolds) Pay(context.Context, booking.Reservation, core.IdempotencyKey) (booking.Receipt, error) {
	return booking.Receipt{}, errNoWorker
}

func (noHolds) StartOrder(context.Context, booking.Order) error { return errNoWorker }

func (noHolds) PayOrder(context.Context, booking.Order, core.IdempotencyKey) (booking.OrderReceipt, error) {
	return booking.OrderReceipt{}, errNoWorker
}
