package main

// The payments phase of the booking benchmark: payments through the API at 64 concurrent fans,
// against the raw rate of the same Temporal dev server answering updates (a trivial workflow
// with a trivial update handler that ends once answered, on a worker in this process with the
// boxoffice worker's options), in the same run. Both are closed loops over a fixed count: each
// of the concurrent callers pays (or updates) its share of fans one after another.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/boxoffice/boxoffice/internal/sandbox"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/workflows"
)

// PaymentsReport compares payments through the API with raw Temporal updates.
type PaymentsReport struct {
	Concurrency int        `json:"concurrency"`
	RawUpdates  closedLoop `json:"raw_updates"`
	Payments    closedLoop `json:"payments"`
	// OfRaw is the payments' rate as a share of the raw updates'.
	OfRaw float64 `json:"of_raw_update_rate"`
}

// paymentsSale is the sale the phase puts on for its fans, so the storm's dates stay as they were.
const paymentsSale = "payments"

const (
	rawWorkflow  = "measure-raw-update"
	rawUpdate    = "answer"
	rawTaskQueue = "measure-raw-update"
)

// measurePayments runs the raw update baseline, then the payments, n of each.
func measurePayments(ctx context.Context, sys *sandbox.System, n, pollers int) (PaymentsReport, error) {
	r := PaymentsReport{Concurrency: callers}
	var err error
	if r.RawUpdates, err = rawUpdates(ctx, sys.TemporalAddress(), n, pollers); err != nil {
		return r, fmt.Errorf("raw updates: %w", err)
	}
	if r.Payments, err = payments(ctx, sys, n); err != nil {
		return r, fmt.Errorf("payments: %w", err)
	}
	if r.RawUpdates.PerSecond > 0 {
		r.OfRaw = r.Payments.PerSecond / r.RawUpdates.PerSecond
	}
	return r, nil
}

// rawUpdates starts n trivial workflows (not timed), then answers one update each.
func rawUpdates(ctx context.Context, hostPort string, n, pollers int) (closedLoop, error) {
	tc, err := client.Dial(client.Options{HostPort: hostPort, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return closedLoop{}, err
	}
	defer tc.Close()
	w := worker.New(tc, rawTaskQueue, workflows.WorkerOptions(pollers))
	w.RegisterWorkflowWithOptions(answerOnce, workflow.RegisterOptions{Name: rawWorkflow})
	if err := w.Start(); err != nil {
		return closedLoop{}, err
	}
	defer w.Stop()
	ids := make([]string, n)
	stamp := time.Now().UnixNano()
	if _, err := inParallel(ctx, n, func(i int) error {
		ids[i] = fmt.Sprintf("%s-%d-%d", rawWorkflow, stamp, i)
		_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: rawTaskQueue}, rawWorkflow)
		return err
	}); err != nil {
		return closedLoop{}, err
	}
	// A payment finds its hold's workflow idle, long started; so must the updates. (Updates sent
	// while a workflow's first task was still running stalled for a minute on this dev server.)
	if !sleep(ctx, 2*time.Second) {
		return closedLoop{}, ctx.Err()
	}
	return inParallel(ctx, n, func(i int) error {
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: ids[i], UpdateName: rawUpdate, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
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

// payer is one fan of the payments phase, ready to pay: admitted, holding a seat, topped up.
type payer struct {
	token string
	hold  apiclient.HoldBody
}

// payments puts a sale on with a seat for each of n fans, has each fan hold one and top up (not
// timed), then times the payments.
func payments(ctx context.Context, sys *sandbox.System, n int) (closedLoop, error) {
	if err := sys.PutSaleOn(ctx, paymentsSale, (n+2)/3); err != nil {
		return closedLoop{}, err
	}
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return closedLoop{}, err
	}
	payers := make([]payer, n)
	var dates []string
	var once sync.Once
	if _, err := inParallel(ctx, n, func(i int) error {
		token, err := awaitAdmission(ctx, api, apiclient.FanOf(fmt.Sprintf("payer-%d", i), paymentsSale))
		if err != nil {
			return err
		}
		var listErr error
		once.Do(func() { dates, listErr = openDates(ctx, api, token) })
		if listErr != nil || len(dates) < 3 {
			return fmt.Errorf("the payments sale's dates: %v %v", dates, listErr)
		}
		day, _ := time.Parse(time.DateOnly, dates[i%3])
		held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: openapitypes.Date{Time: day}, SeatId: int64(i/3 + 1)}, apiclient.Bearer(token))
		if err != nil || held.JSON200 == nil {
			return fmt.Errorf("hold: %w", failure(err, held))
		}
		charged, err := api.ChargeBalanceWithResponse(ctx, nil, apiclient.ChargeBalanceJSONRequestBody{Amount: held.JSON200.Price}, apiclient.Bearer(token))
		if err != nil || charged.JSON200 == nil {
			return fmt.Errorf("top up: %w", failure(err, charged))
		}
		payers[i] = payer{token: token, hold: *held.JSON200}
		return nil
	}); err != nil {
		return closedLoop{}, err
	}
	// As the raw baseline does, let the holds' workflows settle before paying.
	if !sleep(ctx, 2*time.Second) {
		return closedLoop{}, ctx.Err()
	}
	var failed atomic.Int64
	loop, err := inParallel(ctx, n, func(i int) error {
		p := payers[i]
		key := fmt.Sprintf("payer-%d-pay", i)
		paid, err := api.PayWithResponse(ctx, &apiclient.PayParams{IdempotencyKey: &key},
			apiclient.PayJSONRequestBody{TicketId: p.hold.TicketId, SeatId: p.hold.SeatId, Date: p.hold.Date}, apiclient.Bearer(p.token))
		if err != nil || paid.JSON200 == nil {
			failed.Add(1)
		}
		return nil
	})
	loop.Failed = failed.Load()
	return loop, err
}
