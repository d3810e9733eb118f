package temporal

import (
	"context"
	"errors"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// Admission steers each sale's admission workflow (admission/<sale_id>).
type Admission struct {
	client client.Client
	mu     sync.Mutex
	wakes  map[core.SaleID]*wakes
}

// wakes are the wakes of one sale's workflow sent from this instance.
type wakes struct {
	last    time.Time // when the last one was sent
	pending bool      // one is due at last + wakeEvery
}

var _ queue.Loop = (*Admission)(nil)

// NewAdmission steers the admission workflows through c.
func NewAdmission(c client.Client) *Admission {
	return &Admission{client: c, wakes: map[core.SaleID]*wakes{}}
}

// wakeEvery bounds the wakes one instance sends a sale's workflow: a rush of fans joining a
// sleeping sale sends one a second, not one each.
const wakeEvery = time.Second

// Wake implements queue.Loop: it signals the sale's workflow in the background, at once unless
// one went less than wakeEvery ago, and then when that time is up, so the last of a burst of
// wakes is never dropped; the caller never waits on Temporal. A wake lost with a stalled
// cluster is asked for again by the next fan who joins or polls while the queue sleeps.
func (a *Admission) Wake(sale core.SaleID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.wakes[sale]
	if w == nil {
		w = &wakes{}
		a.wakes[sale] = w
	}
	switch wait := time.Until(w.last.Add(wakeEvery)); {
	case w.pending:
	case wait <= 0:
		w.last = time.Now()
		go a.signalWake(sale)
	default:
		w.pending = true
		time.AfterFunc(wait, func() {
			a.mu.Lock()
			w.pending, w.last = false, time.Now()
			a.mu.Unlock()
			a.signalWake(sale)
		})
	}
}

func (a *Admission) signalWake(sale core.SaleID) {
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	_ = a.client.SignalWorkflow(ctx, admission.WorkflowID(sale), "", admission.SignalWake, nil)
}

// Start implements queue.Loop: it starts the sale's admission workflow with s unless it already
// runs, in which case the running one keeps its settings (change them with Change).
func (a *Admission) Start(ctx context.Context, sale core.SaleID, s queue.Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	_, err := a.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       admission.WorkflowID(sale),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, admission.WorkflowName, admission.State{SaleID: sale, Settings: s})
	return err
}

// Stats returns the sale's workflow's counters and settings.
func (a *Admission) Stats(ctx context.Context, sale core.SaleID) (admission.State, error) {
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	v, err := a.client.QueryWorkflow(ctx, admission.WorkflowID(sale), "", admission.QueryStats)
	if err != nil {
		return admission.State{}, err
	}
	var st admission.State
	return st, v.Get(&st)
}

// Settings implements queue.Loop by querying the sale's workflow.
func (a *Admission) Settings(ctx context.Context, sale core.SaleID) (queue.Settings, error) {
	st, err := a.Stats(ctx, sale)
	return st.Settings, err
}

// Change implements queue.Loop: the update carries the change, which the workflow applies to
// the settings it runs with, so concurrent changes all apply.
func (a *Admission) Change(ctx context.Context, sale core.SaleID, c queue.Change) (queue.Settings, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	handle, err := a.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   admission.WorkflowID(sale),
		UpdateName:   admission.UpdateSettings,
		Args:         []any{c},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return queue.Settings{}, err
	}
	var applied queue.Settings
	return applied, handle.Get(ctx, &applied)
}

// RetireLegacyAdmission ends the one admission workflow of the releases before sales, if it
// still runs: each sale's own workflow admits its fans now, from the settings it recorded.
func RetireLegacyAdmission(ctx context.Context, c client.Client) error {
	err := c.TerminateWorkflow(ctx, admission.LegacyWorkflowID, "", "retired: each sale has its own admission workflow (admission/<sale_id>)")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return err
}

// StartSweep starts the workflow that sweeps overdue holds every so often, unless it runs
// already (then it keeps its own interval).
func StartSweep(ctx context.Context, c client.Client, every time.Duration) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       sweep.WorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, sweep.WorkflowName, sweep.State{Every: every})
	return err
}
