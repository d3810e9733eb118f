package main

// The sales benchmark measures what many sales cost the front door, with wrk on loopback. It
// starts boxoffice on PostgreSQL (one API instance; a worker admitting one fan a sale, so new
// tokens wait) with the demo sale on, 3 dates of 2,000 seats, and in one run measures: GET
// /healthz, the ceiling; POST /api/token, a new fan each request, with one sale open; then, once
// -open sales are open, /healthz again, POST /api/token spread over all of them and into one
// of them, and GET /api/tickets/seats of a 2,000-seat date; then /healthz a last time. Each
// rate is given as a share of the mean ceiling of the run. Every phase is bounded by
// -duration; the whole run stops by itself and fails if any request failed.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

type salesOptions struct {
	conns    int
	duration time.Duration
	sales    int
	json     bool
	sandbox  sandbox.Options
}

// SalesReport is what `measure sales` prints.
type SalesReport struct {
	Conns    int          `json:"conns"`
	Duration string       `json:"phase_duration"`
	Seats    int          `json:"seats_per_date"`
	Phases   []SalesPhase `json:"phases"`
	Ceiling  float64      `json:"ceiling_per_second"`
	Failed   int64        `json:"failed"`
}

// SalesPhase is one wrk phase and its share of the ceiling.
type SalesPhase struct {
	Name      string    `json:"name"`
	SalesOpen int       `json:"sales_open"`
	Result    wrkResult `json:"result"`
	OfCeiling float64   `json:"of_ceiling"`
	IsCeiling bool      `json:"is_ceiling"`
	Endpoint  string    `json:"endpoint"`
}

// runSalesBench is `measure sales`.
func runSalesBench(args []string) error {
	o := salesOptions{sandbox: sandbox.Options{Instances: 1, HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 100, MaxActive: 1, Seats: 2000,
		Env: []string{"BOXOFFICE_ADMIT_TICK=1s"}}} // the default tick: each open sale's loop costs what it does in production
	fs := flag.NewFlagSet("measure sales", flag.ContinueOnError)
	fs.IntVar(&o.conns, "conns", 64, "wrk connections (1 to 1024)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each phase runs (1s to 1m)")
	fs.IntVar(&o.sales, "open", 10, "sales open in the later phases (2 to 20)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o.sandbox, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.conns < 1 || o.conns > 1024:
		return errors.New("-conns must be 1 to 1024")
	case o.duration < time.Second || o.duration > time.Minute:
		return errors.New("-duration must be 1s to 1m")
	case o.sales < 2 || o.sales > 20:
		return errors.New("-open must be 2 to 20")
	}
	report, err := benchSales(o)
	if err != nil {
		return err
	}
	printReport(os.Stdout, o.json, report)
	if report.Failed > 0 {
		return fmt.Errorf("%d requests failed: figures from a failing server mean nothing", report.Failed)
	}
	return nil
}

func benchSales(o salesOptions) (SalesReport, error) {
	ctx, cancel := boundedRun(10 * time.Minute)
	defer cancel()
	o.sandbox.Sales = 1
	sys, err := sandbox.Spawn(ctx, o.sandbox)
	if err != nil {
		return SalesReport{}, err
	}
	defer sys.Stop()
	base := sys.Targets[0]
	lister, date, err := admittedFan(ctx, base)
	if err != nil {
		return SalesReport{}, err
	}
	r := SalesReport{Conns: o.conns, Duration: o.duration.String(), Seats: o.sandbox.Seats}
	load := func(name, endpoint string, open int, l wrkLoad) error {
		l.conns, l.duration = o.conns, o.duration
		res, err := runWrk(ctx, l)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.Phases = append(r.Phases, SalesPhase{Name: name, Endpoint: endpoint, SalesOpen: open, Result: res, IsCeiling: endpoint == "GET /healthz"})
		r.Failed += res.Failed
		return nil
	}
	healthz := wrkLoad{url: base + "/healthz"}
	issue := func(prefix string, sales ...string) wrkLoad {
		return wrkLoad{url: base + "/api/token", script: issueScript(prefix, sales)}
	}
	if err := load("ceiling", "GET /healthz", 1, healthz); err != nil {
		return r, err
	}
	if err := load("token issue, one sale open", "POST /api/token", 1, issue("one", sandbox.DemoSale)); err != nil {
		return r, err
	}
	open := []string{sandbox.DemoSale}
	for i := 2; i <= o.sales; i++ {
		id := fmt.Sprintf("sale-%d", i)
		if err := sys.PutSaleOn(ctx, id, o.sandbox.Seats); err != nil {
			return r, err
		}
		open = append(open, id)
	}
	n := len(open)
	phases := []struct {
		name, endpoint string
		l              wrkLoad
	}{
		{"ceiling", "GET /healthz", healthz},
		{fmt.Sprintf("token issue spread over %d sales", n), "POST /api/token", issue("spread", open...)},
		{fmt.Sprintf("token issue into one sale, %d open", n), "POST /api/token", issue("into-one", sandbox.DemoSale)},
		{fmt.Sprintf("seat listing, %d seats", o.sandbox.Seats), "GET /api/tickets/seats",
			wrkLoad{url: base + "/api/tickets/seats?date=" + date, headers: []string{"Authorization: Bearer " + lister}}},
		{"ceiling", "GET /healthz", healthz},
	}
	for _, p := range phases {
		if err := load(p.name, p.endpoint, n, p.l); err != nil {
			return r, err
		}
	}
	r.shareOfCeiling()
	return r, nil
}

// admittedFan takes a token of the demo sale and polls until it is admitted; it returns the
// token and the sale's first date.
func admittedFan(ctx context.Context, base string) (string, string, error) {
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		return "", "", err
	}
	issued, err := api.IssueTokenWithResponse(ctx, apiclient.Fan("lister"))
	if err != nil || issued.JSON200 == nil {
		return "", "", fmt.Errorf("take a token: %v %s", err, issued.Body)
	}
	tok := issued.JSON200.Token
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		dates, err := api.ListDatesWithResponse(ctx, apiclient.Bearer(tok))
		if err == nil && dates.JSON200 != nil && len(*dates.JSON200) > 0 {
			return tok, (*dates.JSON200)[0], nil
		}
	}
	return "", "", errors.New("the listing fan was not admitted within 30 s")
}

// shareOfCeiling gives each phase's rate as a share of the mean of the run's ceilings.
func (r *SalesReport) shareOfCeiling() {
	var sum float64
	var n int
	for _, p := range r.Phases {
		if p.IsCeiling {
			sum += p.Result.PerSecond
			n++
		}
	}
	if n == 0 || sum == 0 {
		return
	}
	r.Ceiling = sum / float64(n)
	for i := range r.Phases {
		r.Phases[i].OfCeiling = r.Phases[i].Result.PerSecond / r.Ceiling
	}
}

func (r SalesReport) print(w io.Writer) {
	fmt.Fprintf(w, "sales: wrk, 2 threads, %d connections, %s a phase, dates of %d seats\n\n", r.Conns, r.Duration, r.Seats)
	fmt.Fprintf(w, "%-40s %-24s %10s %8s %8s %8s %7s\n", "phase", "endpoint", "req/s", "p50 ms", "p99 ms", "ceiling", "failed")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "%-40s %-24s %10.0f %8.2f %8.2f %7.0f%% %7d\n", p.Name, p.Endpoint, p.Result.PerSecond, p.Result.P50Millis, p.Result.P99Millis, 100*p.OfCeiling, p.Result.Failed)
	}
	fmt.Fprintf(w, "\nmean ceiling (GET /healthz): %.0f req/s\n", r.Ceiling)
}
