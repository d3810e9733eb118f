// Command rush simulates a ticket-sale rush: N fans arrive over T seconds, spread round-robin
// over one or more boxoffice API instances on loopback, and each behaves like a fan (token,
// wait for admission, dates, seats, hold with retries on 409, top up, pay), a share of them
// abandoning on the way. It reports each endpoint's load and latency, outcomes, time to a
// ticket, sell-out time and admission fairness. With -spawn it starts the instances itself
// against a fresh database and a Temporal dev server and audits the books afterwards.
//
//	go run ./cmd/rush -spawn 3 -fans 20000 -arrival 20s -seats 500
//	go run ./cmd/rush -targets http://127.0.0.1:8080 -fans 200
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/boxoffice/boxoffice/internal/sandbox"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

type options struct {
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
}

func main() {
	var o options
	var targets string
	flag.StringVar(&targets, "targets", "", "comma-separated API base URLs on loopback (or use -spawn)")
	flag.IntVar(&o.fans, "fans", 500, "fans to simulate (1 to 100000)")
	flag.DurationVar(&o.arrival, "arrival", 10*time.Second, "fans arrive evenly over this long")
	flag.DurationVar(&o.limit, "timeout", 5*time.Minute, "stop everything after this long (at most 30m)")
	flag.IntVar(&o.conns, "conns", 256, "connections per API instance at most")
	flag.Float64Var(&o.abandon, "abandon", 0.1, "share of fans who walk away: half in the queue, half after holding a seat")
	flag.Float64Var(&o.stream, "stream", 0.3, "share of fans who follow their place over Server-Sent Events instead of polling")
	flag.IntVar(&o.holdRetries, "hold-retries", 5, "seats a fan tries before giving up")
	flag.BoolVar(&o.json, "json", false, "print the report as JSON")
	bindSpawnFlags(&o.spawn)
	flag.Parse()
	if targets != "" {
		o.targets = strings.Split(targets, ",")
	}
	report, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rush:", err)
		os.Exit(1)
	}
	if o.json {
		_ = report.writeJSON(os.Stdout)
	} else {
		report.writeTable(os.Stdout)
	}
	if problem := verdict(report); problem != "" {
		fmt.Fprintln(os.Stderr, "rush:", problem)
		os.Exit(1)
	}
}

// verdict names what makes a rush fail: a breach in the books, unfair admission, or errors.
func verdict(r Report) string {
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

func run(o options) (Report, error) {
	switch {
	case o.fans < 1 || o.fans > 100_000:
		return Report{}, errors.New("-fans must be 1 to 100000")
	case o.limit <= 0 || o.limit > 30*time.Minute:
		return Report{}, errors.New("-timeout must be positive and at most 30m")
	case o.abandon < 0 || o.abandon > 1:
		return Report{}, errors.New("-abandon must be a share from 0 to 1")
	case o.stream < 0 || o.stream > 1:
		return Report{}, errors.New("-stream must be a share from 0 to 1")
	case o.conns < 1 || o.conns > 4096:
		return Report{}, errors.New("-conns must be 1 to 4096")
	case (len(o.targets) == 0) == (o.spawn.Instances == 0):
		return Report{}, errors.New("give either -targets or -spawn")
	}
	// Ctrl-C or SIGTERM ends the rush early but still stops what it spawned.
	sigCtx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	ctx, cancel := context.WithTimeout(sigCtx, o.limit)
	defer cancel()

	var sys *sandbox.System
	if o.spawn.Instances > 0 {
		var err error
		if sys, err = sandbox.Spawn(ctx, o.spawn); err != nil {
			return Report{}, err
		}
		defer sys.Stop()
		o.targets = sys.Targets
	}
	clients, err := apiClients(o.targets, o.conns)
	if err != nil {
		return Report{}, err
	}

	fans, rec, s, start := runFans(ctx, clients, o)
	report := buildReport(fans, rec, s, start, time.Since(start), o.targets)
	if sys != nil {
		report.SeatsOnSale = sys.SeatsOnSale
		audit, err := auditSystem(context.Background(), sys)
		if err != nil {
			return report, err
		}
		report.Audit = &audit
	}
	return report, nil
}

// runFans lets o.fans fans arrive evenly over o.arrival, round-robin over the clients, and
// waits until each is done or ctx ends.
func runFans(ctx context.Context, clients []*apiclient.ClientWithResponses, o options) ([]*fan, *recorder, *sale, time.Time) {
	rec, s := newRecorder(), &sale{}
	streamers := make([]*streamer, len(o.targets))
	for i, t := range o.targets {
		streamers[i] = newStreamer(t)
	}
	start := time.Now()
	fans := make([]*fan, o.fans)
	stamp := start.UnixNano()
	for i := range fans {
		fans[i] = &fan{
			user:    fmt.Sprintf("rush-%x-%d", stamp, i),
			arrival: start.Add(time.Duration(int64(o.arrival) * int64(i) / int64(o.fans))),
			api:     clients[i%len(clients)],
		}
		if rand.Float64() < o.abandon {
			fans[i].abandonAt = []string{"queue", "hold"}[rand.IntN(2)]
		}
		if len(streamers) > 0 && rand.Float64() < o.stream {
			fans[i].stream = streamers[i%len(streamers)]
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
			f.visit(ctx, rec, s, o.holdRetries)
		}()
	}
	wg.Wait()
	return fans, rec, s, start
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
