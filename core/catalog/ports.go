package catalog

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store is where the catalog is kept: the program fans buy from (Program) and its seats as fans
// see them (Seating). An adapter serves each with a type of its own.
type Store interface {
	Program
	Seating
}

// Program holds sales, their performances, sections and prices, and tells of their changes.
type Program interface {
	// CreateSale stores a sale and its performances, with their seats all available, at once;
	// ErrSaleExists if the id is taken.
	CreateSale(ctx context.Context, s Sale, perfs []Performance) error
	// Sale returns one sale, or ErrUnknownSale.
	Sale(ctx context.Context, id core.SaleID) (Sale, error)
	// Sales lists every sale, oldest first.
	Sales(ctx context.Context) ([]Sale, error)
	// UpdateSale changes a sale atomically: change gets the sale as stored and returns it
	// changed, or an error that leaves it as it was.
	UpdateSale(ctx context.Context, id core.SaleID, change func(Sale) (Sale, error)) (Sale, error)
	// AddPerformance adds a date to a sale with its seats all available; ErrDateExists if the
	// sale has it already.
	AddPerformance(ctx context.Context, p Performance) error
	// Performances lists a sale's performances in date order.
	Performances(ctx context.Context, sale core.SaleID) ([]Performance, error)
	// PerformancesOfSales is Performances of each sale named, in one read whatever their number.
	PerformancesOfSales(ctx context.Context, sales []core.SaleID) (map[core.SaleID][]Performance, error)
	// Performance returns one performance of a sale, or ErrUnknownDate.
	Performance(ctx context.Context, sale core.SaleID, d core.Date) (Performance, error)
	// CancelPerformance marks a performance cancelled at at, unless it was already, and returns
	// it with the time it was first cancelled; ErrUnknownDate.
	CancelPerformance(ctx context.Context, sale core.SaleID, d core.Date, at time.Time) (Performance, error)
	// Offer returns a sale with one of its performances: what a hold needs. ErrUnknownSale, or
	// ErrUnknownDate.
	Offer(ctx context.Context, sale core.SaleID, d core.Date) (Offer, error)
	// CachedOffer is Offer, perhaps from a copy kept in process: the store's own changes show
	// at once, another instance's within moments. Holds refuse hopeless attempts by it; nothing
	// is decided by it.
	CachedOffer(ctx context.Context, sale core.SaleID, d core.Date) (Offer, error)
	// RepriceSection sets a section's price for the seats that are neither held nor sold at
	// now (held and sold ones keep the price they were taken at) and returns how many those
	// are; ErrUnknownDate or ErrUnknownSection.
	RepriceSection(ctx context.Context, sale core.SaleID, d core.Date, section string, price core.Amount, now time.Time) (int, error)
	Changes
}

// Seating reads the claims on a program's seats as fans see them at a moment: which dates and
// seats are free (a lapsed hold's included: Claim.AvailableAt), and how many.
type Seating interface {
	// OpenDates lists, in order, the sale's dates from `from` on, not cancelled, with at least
	// one seat available at now.
	OpenDates(ctx context.Context, sale core.SaleID, from core.Date, now time.Time) ([]core.Date, error)
	// OpenDatesOfSales is OpenDates of each sale named, in one read whatever their number.
	OpenDatesOfSales(ctx context.Context, sales []core.SaleID, from core.Date, now time.Time) (map[core.SaleID][]core.Date, error)
	// Seats lists every seat of a date in seat order with its status at now and its section;
	// ErrUnknownDate, or ErrPerformanceCancelled for a cancelled date.
	Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]Seat, error)
	// SeatCounts counts, for each of the sale's dates, its seats by status at now.
	SeatCounts(ctx context.Context, sale core.SaleID, now time.Time) (map[core.Date]SeatCounts, error)
	// SeatsOfFan lists, in seat order, the seats of a date the fan holds, bought, or held or
	// bought before, each as it stands at now (a held or sold seat at the price it was taken
	// at): what the fan's own holds, payments and cancellations changed, read now, to lay over
	// a listing that may be older than them. ErrUnknownDate as Seats.
	SeatsOfFan(ctx context.Context, sale core.SaleID, d core.Date, user core.UserID, now time.Time) ([]Seat, error)
}

// Changes tell the in-process copies of the catalog (the directory of sales, the seat
// listings, the offers holds read) that what a sale offers changed: its state, title, limit,
// policy, dates, sections or prices. Each store announces its own writes before the call that
// made them returns, and another instance's as soon as it hears of them (PostgreSQL: within
// milliseconds, by NOTIFY); the copies' own time bounds cover what it cannot hear.
type Changes interface {
	// OnChange calls changed with a sale's id after every change of what it offers, from now on.
	OnChange(changed func(core.SaleID))
}

// Gate admits fans to the catalog: only admitted fans browse what is on sale, and each sees
// the sale its token queues for. The queue's Entrance is one.
type Gate interface {
	Admitted(ctx context.Context, c core.Caller) (core.UserID, core.SaleID, error)
}

// Queues run the sales' waiting rooms; the queue's Control is one (through core/app).
type Queues interface {
	// Open starts a new sale's waiting room with the settings and opening asked for.
	Open(ctx context.Context, sale core.SaleID, q QueueSpec) error
	// Resume starts a sale's waiting room from the settings it recorded, unless it runs.
	Resume(ctx context.Context, sale core.SaleID) error
	// Wake rouses a sale's waiting room that sleeps because nobody waits, so it sees a change
	// of the sale's state (a close ends it); it never blocks.
	Wake(sale core.SaleID)
}
