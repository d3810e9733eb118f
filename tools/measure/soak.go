package main

// The soak run keeps a sale going long enough for every long-running workflow to continue as
// new several times, on the production roles (a worker registered as in production and two API
// instances, on PostgreSQL and a Temporal dev server): fans keep arriving, steadily and in
// bursts, and each must be admitted within the wait it was told at arrival; meanwhile a
// performance of more tickets than one run of its cancellation refunds is cancelled, and must
// complete with every fan refunded once. The dev server is told to suggest continuing as new
// after a hundred events or so (production's default is 4,096), so the cycles that took
// six minutes and more come every few seconds, through the same path. A waiting room that
// stopped admitting at its first continue-as-new went unnoticed because no run lasted that long.
// (The cancelled sale's own waiting room has nobody in it after its buyers: its admission
// sleeps, so only its runs' type is checked.)

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/tools/sandbox"
	"github.com/boxoffice/boxoffice/workflows/admission"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// SoakReport is what `measure soak` prints.
type SoakReport struct {
	Seconds float64 `json:"seconds"`
	Fans    int     `json:"fans"`
	// Admitted is how many fans were admitted; Late, how many waited longer than they were
	// told (with the slack); Stalled, how many were ever told admission had stalled.
	Admitted int `json:"admitted"`
	Late     int `json:"late"`
	Stalled  int `json:"stalled"`
	// WorstOverrun is the longest a fan waited beyond the wait they were told.
	WorstOverrun time.Duration `json:"worst_overrun_ns"`
	// Runs is how many runs each long-running workflow went through, by workflow id.
	Runs         map[string]int     `json:"runs"`
	Cancellation CancellationReport `json:"cancellation"`
	Problems     []string           `json:"problems,omitempty"`
}

func (r SoakReport) print(w io.Writer) {
	fmt.Fprintf(w, "soak: %.0f s, %d fans arrived, %d admitted, %d late, %d told admission stalled; worst overrun of a told wait %s\n",
		r.Seconds, r.Fans, r.Admitted, r.Late, r.Stalled, r.WorstOverrun.Round(time.Millisecond))
	ids := make([]string, 0, len(r.Runs))
	for id := range r.Runs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "  %-45s %d runs\n", id, r.Runs[id])
	}
	r.Cancellation.print(w)
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  PROBLEM:", p)
	}
}

// soakSettings are what the soak varies.
type soakSettings struct {
	duration    time.Duration
	perSecond   int // steady arrivals
	burst       int // fans arriving at once every burstEvery
	burstEvery  time.Duration
	cancelSeats int
	suggestCAN  int // events after which the dev server suggests continuing as new
}

// runSoak is `measure soak`.
func runSoak(args []string) error {
	o := sandbox.Options{Instances: 2, HoldTTL: time.Minute, SessionTTL: 20 * time.Second, AdmitRate: 5, MaxActive: 1000, Seats: 50}
	var s soakSettings
	fs := flag.NewFlagSet("measure soak", flag.ContinueOnError)
	fs.DurationVar(&s.duration, "duration", 2*time.Minute, "how long fans keep arriving (30s to 30m)")
	fs.IntVar(&s.perSecond, "arrivals", 2, "fans arriving each second, steadily")
	fs.IntVar(&s.burst, "burst", 20, "fans arriving at once, every -burst-every")
	fs.DurationVar(&s.burstEvery, "burst-every", 20*time.Second, "time between bursts")
	fs.IntVar(&s.cancelSeats, "cancel-seats", 150, "sold tickets of the performance cancelled meanwhile (one a round)")
	fs.IntVar(&s.suggestCAN, "suggest-continue-as-new", 100, "history events after which the dev server suggests continuing as new (production: 4096)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if s.duration < 30*time.Second || s.duration > 30*time.Minute {
		return errors.New("-duration must be 30s to 30m")
	}
	if s.perSecond < 1 || s.perSecond > 50 || s.burst < 0 || s.burst > 500 || s.cancelSeats < 1 || s.cancelSeats > 5000 {
		return errors.New("-arrivals must be 1 to 50, -burst 0 to 500, -cancel-seats 1 to 5000")
	}
	o.TemporalArgs = temporaltest.SuggestContinueAsNewAfter(s.suggestCAN)
	o.Env = []string{"BOXOFFICE_ADMIT_TICK=100ms", "BOXOFFICE_SWEEP_EVERY=250ms", "BOXOFFICE_CANCELLATION_BATCH=1"}
	ctx, cancel := boundedRun(s.duration + 8*time.Minute)
	defer cancel()
	sys, err := sandbox.Spawn(ctx, o)
	if err != nil {
		return err
	}
	defer sys.Stop()
	r, err := soak(ctx, sys, s)
	if err != nil {
		return err
	}
	printReport(os.Stdout, *asJSON, r)
	if len(r.Problems) > 0 {
		return fmt.Errorf("%d problems", len(r.Problems))
	}
	return nil
}

// soak runs fans and the cancellation at once, then reads each long-running workflow's runs.
func soak(ctx context.Context, sys *sandbox.System, s soakSettings) (SoakReport, error) {
	start := time.Now()
	api, err := apiClients(sys.Targets, 64)
	if err != nil {
		return SoakReport{}, err
	}
	var r SoakReport
	var cancelErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(s.duration / 4)
		r.Cancellation, cancelErr = cancelSoldOutDate(ctx, sys, s.cancelSeats, nil)
	})
	fans := arrive(ctx, api, s)
	wg.Wait()
	if cancelErr != nil {
		return r, fmt.Errorf("the cancellation: %w", cancelErr)
	}
	r.Seconds = time.Since(start).Seconds()
	r.tally(fans)
	if !r.Cancellation.Audit.OK {
		r.Problems = append(r.Problems, "the audit found breaches")
	}
	runs, err := workflowRuns(ctx, sys, r.Cancellation.Date)
	if err != nil {
		return r, err
	}
	r.Runs = map[string]int{}
	idle := admission.WorkflowID(cancelledSale) // nobody queues for it: its admission sleeps
	for id, n := range runs {
		r.Runs[id] = n.count
		if n.count < 3 && id != idle {
			r.Problems = append(r.Problems, fmt.Sprintf("%s ran %d runs, want at least 3 (two continue-as-new cycles)", id, n.count))
		}
		if n.wrongType != "" {
			r.Problems = append(r.Problems, fmt.Sprintf("%s has a run of type %s", id, n.wrongType))
		}
	}
	return r, nil
}

// soakFan is one fan of the soak: when they joined, the wait they were told, and when they
// were admitted.
type soakFan struct {
	joined, admitted time.Time
	told             time.Duration
	stalled          bool
	err              error
}

// toldSlack is how much longer than told a fan may wait: a tick (100 ms), a poll (250 ms), and
// the rounding of a second's admissions.
const toldSlack = 2 * time.Second

// arrive brings fans to the default sale for the duration, steadily and in bursts, each polling
// until admitted; it returns them once each is admitted or given up on.
func arrive(ctx context.Context, api []*apiclient.ClientWithResponses, s soakSettings) []*soakFan {
	var (
		mu   sync.Mutex
		fans []*soakFan
		wg   sync.WaitGroup
	)
	come := func(n int) {
		for range n {
			f := &soakFan{}
			mu.Lock()
			i := len(fans)
			fans = append(fans, f)
			mu.Unlock()
			wg.Go(func() { f.visit(ctx, api[i%len(api)], fmt.Sprintf("soak-%06d", i)) })
		}
	}
	end := time.Now().Add(s.duration)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	nextBurst := time.Now().Add(s.burstEvery)
	for time.Now().Before(end) && ctx.Err() == nil {
		come(s.perSecond)
		if time.Now().After(nextBurst) {
			come(s.burst)
			nextBurst = nextBurst.Add(s.burstEvery)
		}
		<-tick.C
	}
	wg.Wait()
	return fans
}

// visit joins the queue and polls every 250 ms until admitted, or until a minute past the wait
// the fan was told.
func (f *soakFan) visit(ctx context.Context, api *apiclient.ClientWithResponses, user string) {
	f.joined = time.Now()
	res, err := api.IssueTokenWithResponse(ctx, apiclient.Fan(user))
	if err != nil {
		f.err = fmt.Errorf("join: %w", err)
		return
	}
	if res.JSON200 == nil {
		f.err = fmt.Errorf("join: %d %s", res.StatusCode(), res.Body)
		return
	}
	tok := res.JSON200
	if f.told, err = core.ParseISODuration("estimated_wait_time", tok.QueueInfo.EstimatedWaitTime); err != nil {
		f.err = err
		return
	}
	giveUp := f.joined.Add(f.told + time.Minute)
	for tok.Status != apiclient.Active {
		if tok.QueueInfo.Stalled != nil && *tok.QueueInfo.Stalled {
			f.stalled = true
		}
		if time.Now().After(giveUp) || ctx.Err() != nil {
			f.err = fmt.Errorf("not admitted %s after joining (told %s)", time.Since(f.joined).Round(time.Second), f.told)
			return
		}
		time.Sleep(250 * time.Millisecond)
		poll, err := api.PollTokenWithResponse(ctx, apiclient.Bearer(tok.Token))
		if err != nil {
			f.err = fmt.Errorf("poll: %w", err)
			return
		}
		if poll.JSON200 == nil {
			f.err = fmt.Errorf("poll: %d %s", poll.StatusCode(), poll.Body)
			return
		}
		tok = poll.JSON200
	}
	f.admitted = time.Now()
}

// tally counts the fans' outcomes into the report, a problem for each one not admitted in time.
func (r *SoakReport) tally(fans []*soakFan) {
	r.Fans = len(fans)
	errs := map[string]int{}
	for _, f := range fans {
		if f.stalled {
			r.Stalled++
		}
		if f.err != nil {
			errs[f.err.Error()]++
			continue
		}
		r.Admitted++
		over := f.admitted.Sub(f.joined) - f.told
		r.WorstOverrun = max(r.WorstOverrun, over)
		if over > toldSlack {
			r.Late++
		}
	}
	for e, n := range errs {
		r.Problems = append(r.Problems, fmt.Sprintf("%d fans: %s", n, e))
	}
	if r.Late > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d fans waited more than %s beyond the wait they were told", r.Late, toldSlack))
	}
	if r.Stalled > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d fans were told admission had stalled", r.Stalled))
	}
}

// runCount is how many runs a workflow went through, and a run of another type than its own.
type runCount struct {
	count     int
	wrongType string
}

// workflowRuns reads the runs of the sales' admission, the cancellation and the sweep.
func workflowRuns(ctx context.Context, sys *sandbox.System, cancelled core.Date) (map[string]runCount, error) {
	c, err := client.Dial(client.Options{HostPort: sys.TemporalAddress(), Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	want := map[string]string{sweep.WorkflowID: sweep.WorkflowName, cancellation.WorkflowID(cancelledSale, cancelled): cancellation.WorkflowName}
	for _, sale := range append(slices.Clone(sys.Sales), cancelledSale) {
		want[admission.WorkflowID(core.SaleID(sale))] = admission.WorkflowName
	}
	out := map[string]runCount{}
	for id, typ := range want {
		runs, err := temporaltest.ReadRuns(ctx, c, id)
		if err != nil {
			return nil, err
		}
		n := runCount{count: len(runs)}
		for _, run := range runs {
			if run.Type != typ {
				n.wrongType = run.Type
			}
		}
		out[id] = n
	}
	return out, nil
}
