package main

// The cancellation benchmark measures an operator's cancellation of a sold-out performance: it
// starts boxoffice on PostgreSQL and Temporal (one API instance and a worker), sells every seat
// of one date to a fan each, straight through the store (the sale is not what is measured),
// then cancels the date through the admin API and follows its progress (GET …/cancel, from the
// database) until it is completed. It reports how long after the operator's request every
// ticket was refunded, checks that every fan got their price back exactly once, and runs the
// audit. make chaos runs the same with the worker killed and Temporal restarted
// mid-way (TestChaosCancellation).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// cancelledSale is the sale whose first date the benchmark sells out and cancels.
const cancelledSale = "cancel-me"

// CancellationReport is what `measure cancellation` prints.
type CancellationReport struct {
	Tickets int `json:"tickets"`
	// Date is the performance cancelled.
	Date core.Date `json:"date"`
	// AllRefunded is how long after the operator's request the progress said every ticket was
	// refunded.
	AllRefunded   time.Duration `json:"all_refunded_ns"`
	RefundsPerSec float64       `json:"refunds_per_second"`
	Faults        []string      `json:"faults,omitempty"`
	Audit         AuditResult   `json:"audit"`
}

func (r CancellationReport) print(w io.Writer) {
	fmt.Fprintf(w, "cancelled a performance of %d sold seats: every ticket refunded %s after the request (%.0f refunds/s)\n",
		r.Tickets, r.AllRefunded.Round(time.Millisecond), r.RefundsPerSec)
	for _, f := range r.Faults {
		fmt.Fprintln(w, "  fault:", f)
	}
	fmt.Fprint(w, r.Audit.Output)
}

// runCancellationBench is `measure cancellation`.
func runCancellationBench(args []string) error {
	o := sandbox.Options{Instances: 1, HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 100, MaxActive: 100, Seats: 2000}
	fs := flag.NewFlagSet("measure cancellation", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Seats < 1 || o.Seats > 20_000 {
		return errors.New("-seats must be 1 to 20,000")
	}
	ctx, cancel := boundedRun(10 * time.Minute)
	defer cancel()
	seats := o.Seats
	o.Seats, o.Sales = 1, 1 // the demo sale stays small; the cancelled sale has the seats
	sys, err := sandbox.Spawn(ctx, o)
	if err != nil {
		return err
	}
	defer sys.Stop()
	r, err := cancelSoldOutDate(ctx, sys, seats, nil)
	if err != nil {
		return err
	}
	printReport(os.Stdout, *asJSON, r)
	if !r.Audit.OK {
		return errors.New("the audit found breaches")
	}
	return nil
}

// cancelSoldOutDate puts a sale of seats seats on, sells its first date out, cancels it and
// waits for the cancellation to complete, checking every fan was refunded exactly once and
// auditing the books. during, if set, runs faults while the cancellation runs and returns what
// it did.
func cancelSoldOutDate(ctx context.Context, sys *sandbox.System, seats int, during func() []string) (CancellationReport, error) {
	if err := sys.PutSaleOn(ctx, cancelledSale, seats); err != nil {
		return CancellationReport{}, err
	}
	pool, err := postgres.Connect(ctx, sys.DBURL)
	if err != nil {
		return CancellationReport{}, err
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	perfs, err := store.Catalog.Performances(ctx, cancelledSale)
	if err != nil || len(perfs) == 0 {
		return CancellationReport{}, fmt.Errorf("read the sale's dates: %v", err)
	}
	date := perfs[0].Date
	sold, err := sellOut(ctx, store, perfs[0].Sections, date)
	if err != nil {
		return CancellationReport{}, err
	}
	api, err := apiClients(sys.Targets[:1], 4)
	if err != nil {
		return CancellationReport{}, err
	}
	r := CancellationReport{Tickets: len(sold), Date: date}
	start := time.Now()
	res, err := api[0].CancelPerformanceWithResponse(ctx, cancelledSale, openapitypes.Date{Time: date.Time()}, apiclient.AdminKey(sys.AdminKey))
	if err != nil || res.JSON202 == nil || res.JSON202.Total != int64(len(sold)) {
		return r, fmt.Errorf("cancel the performance: %v %d %s", err, cancelStatus(res), cancelBody(res))
	}
	var faults sync.WaitGroup
	if during != nil {
		faults.Go(func() { r.Faults = during() })
	}
	if err := followCancellation(ctx, api[0], sys.AdminKey, date, len(sold), start, &r); err != nil {
		return r, err
	}
	faults.Wait()
	if r.AllRefunded > 0 {
		r.RefundsPerSec = float64(len(sold)) / r.AllRefunded.Seconds()
	}
	if err := refundedOnce(ctx, store, sold); err != nil {
		return r, err
	}
	r.Audit, err = auditSystem(ctx, sys)
	return r, err
}

// sellOut holds and pays every seat of a date for a fan of its own, through the store, eight at
// a time: each fan tops up the seat's price and pays it, so their balance ends at zero.
func sellOut(ctx context.Context, store *postgres.Store, sections []catalog.Section, d core.Date) ([]booking.Reservation, error) {
	var seats []booking.Reservation
	now := time.Now().UTC()
	for _, sec := range sections {
		for n := sec.FirstSeat; n <= sec.LastSeat; n++ {
			seats = append(seats, booking.Reservation{ID: core.NewID(), UserID: core.UserID(fmt.Sprintf("fan-%05d", n)), SaleID: cancelledSale, Date: d,
				Seat: n, Section: sec.Name, Price: sec.Price, Status: booking.Held, HeldUntil: now.Add(time.Hour), CreatedAt: now})
		}
	}
	users := make([]core.UserID, len(seats))
	for i, r := range seats {
		users[i] = r.UserID
	}
	tokens, err := admitFans(ctx, store, users)
	if err != nil {
		return nil, err
	}
	now = time.Now().UTC() // the holds are made once their fans are admitted
	for i := range seats {
		seats[i].CreatedAt, seats[i].HeldUntil = now, now.Add(time.Hour)
	}
	jobs := make(chan booking.Reservation)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for r := range jobs {
				if err := sell(ctx, store, tokens[r.UserID], r); err != nil {
					errs <- fmt.Errorf("sell seat %d: %w", r.Seat, err)
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, r := range seats {
			select {
			case jobs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	return seats, <-errs
}

// admitFans gives each user an active token of the sale in one admission round, with the
// sale paused meanwhile so that its own admission loop (which admits nobody while paused)
// cannot interleave a round of its own: the audit finds admission in arrival order.
func admitFans(ctx context.Context, store *postgres.Store, users []core.UserID) (map[core.UserID]core.ID, error) {
	setState := func(st core.SaleState) error {
		_, err := store.Catalog.UpdateSale(ctx, cancelledSale, func(s catalog.Sale) (catalog.Sale, error) { s.State = st; return s, nil })
		return err
	}
	if err := setState(core.Paused); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // a round the loop began before the pause has ended by now
	tokens := make(map[core.UserID]core.ID, len(users))
	for _, u := range users {
		tok, err := store.Tokens.IssueToken(ctx, cancelledSale, u, time.Now().UTC())
		if err != nil {
			return nil, fmt.Errorf("issue %s a token: %w", u, err)
		}
		tokens[u] = tok.ID
	}
	now := time.Now().UTC()
	round := queue.Round{Batch: len(users), MaxActive: len(users), Session: time.Hour, AbandonedBefore: now.Add(-time.Hour), Now: now}
	if res, err := store.Tokens.Admit(ctx, cancelledSale, round); err != nil || res.Admitted != len(users) {
		return nil, fmt.Errorf("admit the fans: %d of %d admitted, %v", res.Admitted, len(users), err)
	}
	return tokens, setState(core.OnSale)
}

func sell(ctx context.Context, store *postgres.Store, token core.ID, r booking.Reservation) error {
	if _, err := store.Holds.HoldSeat(ctx, booking.HoldAttempt{Hold: r, Token: token, Now: r.CreatedAt, Limit: 4}); err != nil {
		return err
	}
	if _, err := store.Wallets.Charge(ctx, r.UserID, r.Price, "", r.CreatedAt); err != nil {
		return err
	}
	_, err := store.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: r.UserID, PaymentID: core.NewID(), At: time.Now().UTC()})
	return err
}

// followCancellation polls the cancellation's progress until it is completed, noting when; the
// progress reads the database, so it answers while Temporal restarts.
func followCancellation(ctx context.Context, api *apiclient.ClientWithResponses, adminKey string, d core.Date, total int, start time.Time, r *CancellationReport) error {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := api.PerformanceCancellationWithResponse(ctx, cancelledSale, openapitypes.Date{Time: d.Time()}, apiclient.AdminKey(adminKey))
		if err == nil && res.JSON200 != nil {
			p := res.JSON200
			if p.Status == apiclient.CancellationCompleted {
				r.AllRefunded = time.Since(start)
				if p.Refunded != int64(total) || p.Total != int64(total) {
					return fmt.Errorf("the cancellation completed with %d of %d refunded (total %d)", p.Refunded, total, p.Total)
				}
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the cancellation did not complete within 5 minutes")
}

// refundedOnce checks every fan's balance is the price of their ticket: paid once, refunded once.
func refundedOnce(ctx context.Context, store *postgres.Store, sold []booking.Reservation) error {
	wrong := 0
	for _, r := range sold {
		bal, err := store.Wallets.Balance(ctx, r.UserID)
		if err != nil {
			return err
		}
		if bal != r.Price {
			wrong++
		}
	}
	if wrong > 0 {
		return fmt.Errorf("%d of %d fans do not have exactly their price back", wrong, len(sold))
	}
	return nil
}

func cancelStatus(r *apiclient.CancelPerformanceResponse) int {
	if r == nil {
		return 0
	}
	return r.StatusCode()
}

func cancelBody(r *apiclient.CancelPerformanceResponse) string {
	if r == nil {
		return ""
	}
	return string(r.Body)
}
