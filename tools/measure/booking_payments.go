package main

// The payments phase of the booking benchmark: payments through the API at 64 concurrent fans,
// against the raw rate of the same Temporal dev server answering updates (a trivial workflow
// with a trivial update handler that ends once answered, on a worker in this process with the
// boxoffice worker's options), in the same run. Both are closed loops over a fixed count: each
// of the concurrent callers pays (or updates) its share of fans one after another.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/tools/sandbox"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/reservation"
)

// PaymentsReport compares payments through the API with raw Temporal updates: a seat's held on
// its own (POST /api/payment), and orders' of one and of four seats (POST
// /api/orders/{order_id}/payment).
type PaymentsReport struct {
	Concurrency int        `json:"concurrency"`
	RawUpdates  closedLoop `json:"raw_updates"`
	Payments    closedLoop `json:"payments"`
	OrdersOf1   closedLoop `json:"order_payments_of_1"`
	OrdersOf4   closedLoop `json:"order_payments_of_4"`
	// OfRaw is the seat payments' rate as a share of the raw updates', and the orders' theirs.
	OfRaw       float64 `json:"of_raw_update_rate"`
	OrdersOf1Of float64 `json:"order_of_1_of_raw_update_rate"`
	OrdersOf4Of float64 `json:"order_of_4_of_raw_update_rate"`
	// PerRawUpdate and PerPayment are Temporal's persistence operations (the dev server's or the
	// cluster's) a raw update and a payment cost (counted from its metrics over the timed part
	// alone); PerOrderOf4 an order's of four seats.
	PerRawUpdate PersistencePerStep `json:"persistence_per_raw_update"`
	PerPayment   PersistencePerStep `json:"persistence_per_payment"`
	PerOrderOf4  PersistencePerStep `json:"persistence_per_order_of_4"`
}

// Failed counts the payments of every kind that failed.
func (r PaymentsReport) Failed() int64 {
	return r.Payments.Failed + r.OrdersOf1.Failed + r.OrdersOf4.Failed
}

// paymentKind is what the phase's payers hold and pay for: a seat on its own (seats 0), or an
// order of that many seats; each kind has a sale of its own, so the storm's dates stay as they
// were.
type paymentKind struct {
	sale  string
	seats int
}

var (
	seatPayments = paymentKind{sale: "payments"}
	orderOf1     = paymentKind{sale: "payments-order-1", seats: 1}
	orderOf4     = paymentKind{sale: "payments-order-4", seats: 4}
)

// seatsPerPayer is how many seats each payer of the kind holds.
func (k paymentKind) seatsPerPayer() int { return max(k.seats, 1) }

// payerName is the i-th payer's user id: a fan of each kind's sale apart, so that no key or
// wallet of one kind's payers is another's.
func (k paymentKind) payerName(i int) string { return fmt.Sprintf("payer-%s-%d", k.sale, i) }

const (
	rawWorkflow  = "measure-raw-update"
	rawUpdate    = "answer"
	rawTaskQueue = "measure-raw-update"
)

// measurePayments runs the raw update baseline, then the payments, n of each.
func measurePayments(ctx context.Context, sys *sandbox.System, n, pollers int) (PaymentsReport, error) {
	r := PaymentsReport{Concurrency: callers}
	temporalPIDs, metrics, err := temporalProcesses(sys)
	if err != nil {
		return r, err
	}
	pids := func(pids ...int) func() []int { return func() []int { return pids } }
	var workers []int
	for i := range sys.Workers() {
		workers = append(workers, sys.PID(i))
	}
	timed := counted(metrics, map[string]func() []int{
		"Temporal": pids(temporalPIDs...), "worker": pids(workers...), "API": pids(sys.PID(sys.Workers())),
		"PostgreSQL": postgresPIDs, "this process": pids(os.Getpid()),
	}, n)
	if r.RawUpdates, r.PerRawUpdate, err = rawUpdates(ctx, sys.TemporalAddress(), n, pollers, timed); err != nil {
		return r, fmt.Errorf("raw updates: %w", err)
	}
	if r.Payments, r.PerPayment, err = payments(ctx, sys, n, timed, seatPayments); err != nil {
		return r, fmt.Errorf("payments: %w", err)
	}
	if r.OrdersOf1, _, err = payments(ctx, sys, n, timed, orderOf1); err != nil {
		return r, fmt.Errorf("payments of orders of one: %w", err)
	}
	if r.OrdersOf4, r.PerOrderOf4, err = payments(ctx, sys, n, timed, orderOf4); err != nil {
		return r, fmt.Errorf("payments of orders of four: %w", err)
	}
	if raw := r.RawUpdates.PerSecond; raw > 0 {
		r.OfRaw, r.OrdersOf1Of, r.OrdersOf4Of = r.Payments.PerSecond/raw, r.OrdersOf1.PerSecond/raw, r.OrdersOf4.PerSecond/raw
	}
	return r, nil
}

// temporalProcesses are the Temporal processes of sys and their metrics' URLs: the dev server,
// or each service of the production shape's server.
func temporalProcesses(sys *sandbox.System) ([]int, []string, error) {
	if sys.Server == nil {
		pid, err := temporaltest.PID(sys.TemporalAddress())
		return []int{pid}, []string{sys.TemporalMetricsURL}, err
	}
	var pids []int
	var urls []string
	for _, svc := range temporalserver.Services {
		pids = append(pids, sys.Server.PID(svc))
		urls = append(urls, sys.Server.MetricsURLs[svc])
	}
	return pids, urls, nil
}

// counted runs a timed closed loop of n steps, and counts Temporal's persistence operations
// over it from its metrics at urls, and the CPU the machine and each of procs spent.
func counted(urls []string, procs map[string]func() []int, n int) timedLoop {
	cpu := func() (map[string]float64, float64, error) {
		byName := map[string]float64{}
		for name, pids := range procs {
			secs, err := cpuSeconds(pids())
			if err != nil {
				return nil, 0, err
			}
			for _, s := range secs {
				byName[name] += s
			}
		}
		machine, err := machineCPUSeconds()
		return byName, machine, err
	}
	return func(ctx context.Context, loop func() (closedLoop, error)) (closedLoop, PersistencePerStep, error) {
		before, err := readPersistence(ctx, urls)
		if err != nil {
			return closedLoop{}, PersistencePerStep{}, err
		}
		cpu0, machine0, err := cpu()
		if err != nil {
			return closedLoop{}, PersistencePerStep{}, err
		}
		l, err := loop()
		if err != nil {
			return l, PersistencePerStep{}, err
		}
		cpu1, machine1, err0 := cpu()
		after, err1 := readPersistence(ctx, urls)
		if err := errors.Join(err0, err1); err != nil {
			return l, PersistencePerStep{}, err
		}
		p := perStep(before, after, n)
		p.MachineCPU = 1000 * (machine1 - machine0) / float64(n)
		p.CPU = map[string]float64{}
		for name, secs := range cpu1 {
			p.CPU[name] = 1000 * (secs - cpu0[name]) / float64(n)
		}
		return l, p, nil
	}
}

// timedLoop runs loop and says what it cost the dev server a step.
type timedLoop func(ctx context.Context, loop func() (closedLoop, error)) (closedLoop, PersistencePerStep, error)

// rawUpdates starts n trivial workflows (not timed), then answers one update each.
func rawUpdates(ctx context.Context, hostPort string, n, pollers int, timed timedLoop) (closedLoop, PersistencePerStep, error) {
	tc, err := client.Dial(client.Options{HostPort: hostPort, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	defer tc.Close()
	w := worker.New(tc, rawTaskQueue, workflows.WorkerOptions(pollers))
	w.RegisterWorkflowWithOptions(answerOnce, workflow.RegisterOptions{Name: rawWorkflow})
	if err := w.Start(); err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	defer w.Stop()
	ids := make([]string, n)
	stamp := time.Now().UnixNano()
	if _, err := inParallel(ctx, n, func(i int) error {
		ids[i] = fmt.Sprintf("%s-%d-%d", rawWorkflow, stamp, i)
		_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: rawTaskQueue}, rawWorkflow)
		return err
	}); err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	// A payment finds its hold's workflow idle, long started; so must the updates.
	if err := awaitIdle(ctx, tc, ids); err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	if !sleep(ctx, 2*time.Second) {
		return closedLoop{}, PersistencePerStep{}, ctx.Err()
	}
	return timed(ctx, func() (closedLoop, error) {
		return inParallel(ctx, n, func(i int) error {
			h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
				WorkflowID: ids[i], UpdateName: rawUpdate, WaitForStage: client.WorkflowUpdateStageCompleted,
			})
			if err != nil {
				return err
			}
			return h.Get(ctx, nil)
		})
	})
}

// answerOnce is the raw baseline's workflow: it answers one update and ends.
func answerOnce(ctx workflow.Context) error {
	answered := false
	if err := workflow.SetUpdateHandler(ctx, rawUpdate, func(workflow.Context) error {
		answered = true
		return nil
	}); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return answered && workflow.AllHandlersFinished(ctx) })
}

// payer is one fan of the payments phase, ready to pay: admitted, holding a seat or an order,
// topped up.
type payer struct {
	token string
	hold  *apiclient.HoldBody
	order *apiclient.OrderBody
}

// workflowID is the id of the workflow of what the payer holds.
func (p payer) workflowID() string {
	if p.order != nil {
		return reservation.OrderWorkflowID(p.order.OrderId.String())
	}
	return reservation.WorkflowID(p.hold.TicketId.String())
}

// payments puts a sale on with room for each of n fans to hold what kind says, has each fan hold
// it and top up (not timed), then times the payments.
func payments(ctx context.Context, sys *sandbox.System, n int, timed timedLoop, kind paymentKind) (closedLoop, PersistencePerStep, error) {
	if err := sys.PutSaleOn(ctx, kind.sale, (n+2)/3*kind.seatsPerPayer()); err != nil { // each of 3 dates seats a third of the payers
		return closedLoop{}, PersistencePerStep{}, err
	}
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	payers := make([]payer, n)
	var dates []string
	var once sync.Once
	if _, err := inParallel(ctx, n, func(i int) error {
		token, err := awaitAdmission(ctx, api, apiclient.FanOf(kind.payerName(i), kind.sale))
		if err != nil {
			return err
		}
		var listErr error
		once.Do(func() { dates, listErr = openDates(ctx, api, token) })
		if listErr != nil || len(dates) < 3 {
			return fmt.Errorf("the payments sale's dates: %v %v", dates, listErr)
		}
		day, _ := time.Parse(time.DateOnly, dates[i%3])
		if payers[i], err = holdToPay(ctx, api, token, openapitypes.Date{Time: day}, i/3, kind); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	// As the raw baseline does, let the holds' workflows start (a won hold's answer does not
	// wait for its start) and become idle before paying.
	if err := awaitHoldWorkflows(ctx, sys.TemporalAddress(), payers); err != nil {
		return closedLoop{}, PersistencePerStep{}, err
	}
	if !sleep(ctx, 2*time.Second) {
		return closedLoop{}, PersistencePerStep{}, ctx.Err()
	}
	var failed atomic.Int64
	loop, cost, err := timed(ctx, func() (closedLoop, error) {
		return inParallel(ctx, n, func(i int) error {
			if !payers[i].pay(ctx, api, kind.payerName(i)+"-pay") {
				failed.Add(1)
			}
			return nil
		})
	})
	loop.Failed = failed.Load()
	return loop, cost, err
}

// holdToPay has the fan hold the k-th seat (or group of seats) of date as kind says and top up
// its price.
func holdToPay(ctx context.Context, api *apiclient.ClientWithResponses, token string, date openapitypes.Date, k int, kind paymentKind) (payer, error) {
	p := payer{token: token}
	var price int64
	if kind.seats == 0 {
		held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: date, SeatId: int64(k + 1)}, apiclient.Bearer(token))
		if err != nil || held.JSON200 == nil {
			return p, fmt.Errorf("hold: %w", failure(err, held))
		}
		p.hold, price = held.JSON200, held.JSON200.Price
	} else {
		seats := make([]int64, kind.seats)
		for j := range seats {
			seats[j] = int64(k*kind.seats + j + 1)
		}
		placed, err := api.PlaceOrderWithResponse(ctx, apiclient.PlaceOrderJSONRequestBody{Date: date, SeatIds: &seats}, apiclient.Bearer(token))
		if err != nil || placed.JSON201 == nil {
			return p, fmt.Errorf("order: %w", failure(err, placed))
		}
		p.order, price = placed.JSON201, placed.JSON201.Total
	}
	charged, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: price}, apiclient.Bearer(token))
	if err != nil || charged.JSON200 == nil {
		return p, fmt.Errorf("top up: %w", failure(err, charged))
	}
	return p, nil
}

// pay pays for what the payer holds with key and reports whether it was paid.
func (p payer) pay(ctx context.Context, api *apiclient.ClientWithResponses, key string) bool {
	if p.order != nil {
		paid, err := api.PayOrderWithResponse(ctx, p.order.OrderId, &apiclient.PayOrderParams{IdempotencyKey: &key}, apiclient.Bearer(p.token))
		return err == nil && paid.JSON200 != nil
	}
	paid, err := api.PayWithResponse(ctx, &apiclient.PayParams{IdempotencyKey: &key},
		apiclient.PayJSONRequestBody{TicketId: p.hold.TicketId, SeatId: p.hold.SeatId, Date: p.hold.Date}, apiclient.Bearer(p.token))
	return err == nil && paid.JSON200 != nil
}

// awaitHoldWorkflows waits until each payer's hold has its workflow, idle.
func awaitHoldWorkflows(ctx context.Context, hostPort string, payers []payer) error {
	tc, err := client.Dial(client.Options{HostPort: hostPort, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return err
	}
	defer tc.Close()
	ids := make([]string, len(payers))
	for i, p := range payers {
		ids[i] = p.workflowID()
	}
	return awaitIdle(ctx, tc, ids)
}

// awaitIdle waits until each workflow is started and has no workflow task pending: an update
// sent while a workflow's first task still ran stalled for a minute on the dev server.
func awaitIdle(ctx context.Context, tc client.Client, ids []string) error {
	_, err := inParallel(ctx, len(ids), func(i int) error {
		for {
			d, err := tc.DescribeWorkflowExecution(ctx, ids[i], "")
			var notFound *serviceerror.NotFound
			switch {
			case err == nil && d.GetPendingWorkflowTask() == nil:
				return nil
			case err != nil && !errors.As(err, &notFound):
				return err
			}
			if !sleep(ctx, 50*time.Millisecond) {
				return fmt.Errorf("workflow %s never became idle", ids[i])
			}
		}
	})
	return err
}
