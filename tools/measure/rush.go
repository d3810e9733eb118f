package main

// The rush: N fans arrive over T seconds, spread round-robin over one or more boxoffice API
// instances on loopback, and each behaves like a fan (token, wait for admission, dates, seats,
// hold with retries on 409, top up, pay), a share of them abandoning on the way. It reports each
// endpoint's load and latency, outcomes, time to a ticket, sell-out time and admission
// fairness, per sale when several are on at once (-sales, with a share of fans queueing in two of
// them at the same time, -both). With -spawn it starts the instances itself against a fresh
// database and a Temporal dev server and audits the books afterwards.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

type rushOptions struct {
	targets     []string
	fans        int
	arrival     time.Duration
	limit       time.Duration
	conns       int
	abandon     float64
	stream      float64
	holdRetries int
	json        bool
	spawn       sandbox.Options
	// sales are the sales the fans queue for; "" is the default sale.
	sales []string
	// both is the share of fans who queue in two sales at once.
	both float64
}

// runRush is `measure rush`: it fails on a breach in the books, unfair admission or a 500.
func runRush(args []string) error {
	o := rushOptions{spawn: sandbox.Options{HoldTTL: 5 * time.Second, SessionTTL: 2 * time.Minute, AdmitRate: 100, MaxActive: 500, Seats: 50}}
	var targets, saleIDs string
	fs := flag.NewFlagSet("measure rush", flag.ContinueOnError)
	fs.StringVar(&targets, "targets", "", "comma-separated API base URLs on loopback (or use -spawn)")
	fs.StringVar(&saleIDs, "sale-ids", "", "with -targets: comma-separated sales the fans queue for (default: the default sale)")
	fs.Float64Var(&o.both, "both", 0.2, "with two sales or more: share of fans who queue in two sales at once")
	fs.IntVar(&o.fans, "fans", 500, "fans to simulate (1 to 100000)")
	fs.DurationVar(&o.arrival, "arrival", 10*time.Second, "fans arrive evenly over this long")
	fs.DurationVar(&o.limit, "timeout", 5*time.Minute, "stop everything after this long (at most 30m)")
	fs.IntVar(&o.conns, "conns", 256, "connections per API instance at most")
	fs.Float64Var(&o.abandon, "abandon", 0.1, "share of fans who walk away: half in the queue, half after holding a seat")
	fs.Float64Var(&o.stream, "stream", 0.3, "share of fans who follow their place over Server-Sent Events instead of polling")
	fs.IntVar(&o.holdRetries, "hold-retries", 5, "seats a fan tries before giving up")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o.spawn, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if targets != "" {
		o.targets = strings.Split(targets, ",")
	}
	o.sales = []string{""}
	if saleIDs != "" {
		o.sales = strings.Split(saleIDs, ",")
	}
	report, err := rush(o)
	if err != nil {
		return err
	}
	if o.json {
		_ = report.writeJSON(os.Stdout)
	} else {
		report.writeTable(os.Stdout)
	}
	if problem := rushVerdict(report); problem != "" {
		return errors.New(problem)
	}
	return nil
}

// rushVerdict names what makes a rush fail: a breach in the books, unfair admission, or errors.
func rushVerdict(r RushReport) string {
	switch {
	case r.Audit != nil && !r.Audit.OK:
		return "the audit found breaches"
	case r.Inversions != 0:
		return fmt.Sprintf("admission was not FIFO: %d inversions", r.Inversions)
	case r.Errors["500"] > 0:
		return fmt.Sprintf("%d fans got a 500", r.Errors["500"])
	}
	return ""
}

func rush(o rushOptions) (RushReport, error) {
	switch {
	case o.fans < 1 || o.fans > 100_000:
		return RushReport{}, errors.New("-fans must be 1 to 100000")
	case o.limit <= 0 || o.limit > 30*time.Minute:
		return RushReport{}, errors.New("-timeout must be positive and at most 30m")
	case o.abandon < 0 || o.abandon > 1:
		return RushReport{}, errors.New("-abandon must be a share from 0 to 1")
	case o.stream < 0 || o.stream > 1:
		return RushReport{}, errors.New("-stream must be a share from 0 to 1")
	case o.conns < 1 || o.conns > 4096:
		return RushReport{}, errors.New("-conns must be 1 to 4096")
	case o.both < 0 || o.both > 1:
		return RushReport{}, errors.New("-both must be a share from 0 to 1")
	case (len(o.targets) == 0) == (o.spawn.Instances == 0):
		return RushReport{}, errors.New("give either -targets or -spawn")
	}
	// Ctrl-C or SIGTERM ends the rush early but still stops what it spawned.
	ctx, cancel := boundedRun(o.limit)
	defer cancel()

	var sys *sandbox.System
	if o.spawn.Instances > 0 {
		var err error
		if sys, err = sandbox.Spawn(ctx, o.spawn); err != nil {
			return RushReport{}, err
		}
		defer sys.Stop()
		o.targets, o.sales = sys.Targets, sys.Sales
	}
	clients, err := apiClients(o.targets, o.conns)
	if err != nil {
		return RushReport{}, err
	}

	fans, rec, sales, start := runFans(ctx, clients, o)
	report := buildReport(fans, rec, sales, start, time.Since(start), o.targets)
	if sys != nil {
		report.SeatsOnSale = sys.SeatsOnSale
		for i := range report.Sales {
			report.Sales[i].SeatsOnSale = sys.SeatsPerSale
		}
		audit, err := auditSystem(context.Background(), sys)
		if err != nil {
			return report, err
		}
		report.Audit = &audit
	}
	return report, nil
}

// runFans lets o.fans fans arrive evenly over o.arrival, round-robin over the clients and the
// sales, a share of them queueing in a second sale at the same time, and waits until each
// visit is done or ctx ends.
func runFans(ctx context.Context, clients []*apiclient.ClientWithResponses, o rushOptions) ([]*fan, *recorder, map[string]*sale, time.Time) {
	if len(o.sales) == 0 {
		o.sales = []string{""} // the default sale
	}
	rec, sales := newRecorder(), map[string]*sale{}
	for _, id := range o.sales {
		sales[id] = &sale{id: id}
	}
	streamers := make([]*streamer, len(o.targets))
	for i, t := range o.targets {
		streamers[i] = newStreamer(t)
	}
	start := time.Now()
	stamp := start.UnixNano()
	var fans []*fan
	for i := range o.fans {
		visit := func(sale string) *fan {
			f := &fan{
				user:    fmt.Sprintf("rush-%x-%d", stamp, i),
				sale:    sale,
				arrival: start.Add(time.Duration(int64(o.arrival) * int64(i) / int64(o.fans))),
				api:     clients[len(fans)%len(clients)],
			}
			f.quantity, f.way = plan()
			if rand.Float64() < o.abandon {
				f.abandonAt = []string{"queue", "hold"}[rand.IntN(2)]
			}
			if len(streamers) > 0 && rand.Float64() < o.stream {
				f.stream = streamers[len(fans)%len(streamers)]
			}
			return f
		}
		fans = append(fans, visit(o.sales[i%len(o.sales)]))
		if len(o.sales) > 1 && rand.Float64() < o.both {
			fans = append(fans, visit(o.sales[(i+1)%len(o.sales)])) // the same fan, in a second queue
		}
	}
	var wg sync.WaitGroup
	for _, f := range fans {
		if !sleep(ctx, time.Until(f.arrival)) {
			f.outcome = timedOut
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.visit(ctx, rec, sales[f.sale], o.holdRetries)
		}()
	}
	wg.Wait()
	return fans, rec, sales, start
}

func apiClients(targets []string, conns int) ([]*apiclient.ClientWithResponses, error) {
	var clients []*apiclient.ClientWithResponses
	for _, t := range targets {
		if err := apiclient.RequireLoopback(t); err != nil {
			return nil, err
		}
		transport := &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
		c, err := apiclient.NewClientWithResponses(t, apiclient.WithHTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}))
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	return clients, nil
}

// auditSystem runs the audit on a spawned system's database.
func auditSystem(ctx context.Context, sys *sandbox.System) (AuditResult, error) {
	ok, out, err := sys.Audit(ctx)
	return AuditResult{OK: ok, Output: out}, err
}
