package main

// The queue benchmark measures the waiting room's front door on loopback. It starts boxoffice on
// PostgreSQL (a fresh database, one API instance, a worker that admits almost nobody, so every
// token stays waiting), then, in one run and on the same machine, loads three endpoints at each
// connection count: GET /healthz, the trivial ceiling of the same server; POST /api/token with a
// new fan per request; and GET /api/token, polling waiting tokens. It prints requests/s,
// p50/p99 latency and each rate as a share of the ceiling; then token issue with the proof of work
// off and on (queue_door.go, with wrk); then the API's resident memory with -tokens fans
// waiting. Every phase is bounded by -duration; the whole run stops by itself.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

type queueOptions struct {
	target   string // a running API instead of a spawned one
	adminKey string
	pid      int
	conns    []int
	duration time.Duration
	tokens   int
	json     bool
	sandbox  sandbox.Options
}

// runQueueBench is `measure queue`: it fails if any request failed, since figures from a
// failing server mean nothing.
func runQueueBench(args []string) error {
	o := queueOptions{sandbox: sandbox.Options{Instances: 1, HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 1, MaxActive: 1, Seats: 10}}
	var conns string
	fs := flag.NewFlagSet("measure queue", flag.ContinueOnError)
	fs.StringVar(&conns, "conns", "64,256", "connection counts to measure at, comma-separated (each 1 to 1024)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each phase runs (1s to 1m)")
	fs.IntVar(&o.tokens, "tokens", 100_000, "waiting fans when resident memory is read (1000 to 1000000)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.StringVar(&o.target, "target", "", "measure a running API on loopback instead of starting one (its admission must be slow enough that tokens wait)")
	fs.StringVar(&o.adminKey, "admin-key", os.Getenv("BOXOFFICE_ADMIN_KEY"), "with -target: its admin key ($BOXOFFICE_ADMIN_KEY)")
	fs.IntVar(&o.pid, "pid", 0, "with -target: its process id, to read its memory; 0 skips memory")
	sandbox.BindFlags(fs, &o.sandbox, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if o.conns, err = parseConns(conns); err != nil {
		return err
	}
	if o.duration < time.Second || o.duration > time.Minute || o.tokens < 1000 || o.tokens > 1_000_000 {
		return errors.New("-duration must be 1s to 1m and -tokens 1000 to 1000000")
	}
	report, err := benchQueue(o)
	if err != nil {
		return err
	}
	printReport(os.Stdout, o.json, report)
	if report.Errors > 0 {
		return fmt.Errorf("%d requests failed: figures from a failing server mean nothing", report.Errors)
	}
	return nil
}

// benchQueue starts or reaches the API, then runs the phases in order and reads memory: one
// script, long because the benchmark is, read top to bottom.
func benchQueue(o queueOptions) (QueueReport, error) {
	// Bounded: phases, fills and start-up together stay well inside this.
	limit := 5*time.Minute + time.Duration(len(o.conns))*3*2*o.duration + time.Duration(7+2+2*doorRounds)*2*o.duration
	ctx, cancel := boundedRun(limit)
	defer cancel()

	target, adminKey, apiPID := o.target, o.adminKey, o.pid
	var sys *sandbox.System
	if target == "" {
		var err error
		if sys, err = sandbox.Spawn(ctx, o.sandbox); err != nil {
			return QueueReport{}, err
		}
		adminKey = sys.AdminKey
		defer sys.Stop()
		target, apiPID = sys.Targets[0], sys.PID(1)
	} else if err := apiclient.RequireLoopback(target); err != nil {
		return QueueReport{}, err
	}
	report := QueueReport{Duration: o.duration.String(), CPUs: cpus()}
	var err error
	if report.BaselineRSSMB, err = residentMB(apiPID); err != nil {
		return report, err
	}

	// Tokens to poll: a pool issued before any phase, polled round-robin.
	lg, err := newLoad(target, adminKey, maxOf(o.conns))
	if err != nil {
		return report, err
	}
	pool, err := lg.fill(ctx, "pool", min(o.tokens, 20_000))
	if err != nil {
		return report, err
	}
	users := &userIDs{prefix: "bench"}
	for _, n := range o.conns {
		lg.warm(ctx, n)
		ceiling := lg.phase(ctx, "GET /healthz", n, o.duration, lg.healthz)
		issue := lg.phase(ctx, "POST /api/token", n, o.duration, func(ctx context.Context) error { return lg.issue(ctx, users.next()) })
		poll := lg.phase(ctx, "GET /api/token", n, o.duration, func(ctx context.Context) error { return lg.poll(ctx, pool.next()) })
		for _, p := range []*Phase{&ceiling, &issue, &poll} {
			p.OfCeiling = p.RPS / ceiling.RPS
			report.Errors += p.Errors
		}
		report.Phases = append(report.Phases, ceiling, issue, poll)
		if err := ctx.Err(); err != nil {
			return report, fmt.Errorf("stopped: %w", err)
		}
	}

	// Memory with o.tokens fans waiting, each polled once so the verified-token cache holds them.
	waiting, err := lg.waiting(ctx)
	if err != nil {
		return report, err
	}
	if waiting < int64(o.tokens) {
		more, err := lg.fill(ctx, "more", o.tokens-int(waiting))
		if err != nil {
			return report, err
		}
		if err := lg.pollAll(ctx, more); err != nil {
			return report, err
		}
	}
	if err := lg.pollAll(ctx, pool); err != nil {
		return report, err
	}
	report.Waiting, err = lg.waiting(ctx)
	if err != nil {
		return report, err
	}
	if report.RSSMB, err = residentMB(apiPID); err != nil {
		return report, err
	}
	if report.PeakRSSMB, err = peakResidentMB(apiPID); err != nil {
		return report, err
	}

	// The proof of work's cost, last: its phases outlast the pool's tokens. Only where this run
	// put the service up (it makes sales).
	if sys != nil {
		door, err := benchDoor(ctx, sys, lg, maxOf(o.conns), o.duration)
		if err != nil {
			return report, fmt.Errorf("door: %w", err)
		}
		report.Door = &door
		report.Errors += int(door.Failed)
	}

	return report, nil
}

func parseConns(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("-conns: %q is not a count from 1 to 1024", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
