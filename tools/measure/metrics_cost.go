package main

// The cost of metrics: boxoffice on PostgreSQL (one API instance, a worker, a Temporal dev
// server; fans kept waiting) started -rounds times with metrics off and as often with them on
// (BOXOFFICE_METRICS_ADDR), in the order off, on, on, off, off, on, …, each loaded with wrk at 256 connections: /healthz (the
// ceiling), POST /api/token with a new fan each request, and GET /api/token polling a waiting
// token. It prints each side's mean and the ratio on/off.

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

type metricsCostOptions struct {
	rounds   int
	duration time.Duration
	json     bool
	sandbox  sandbox.Options
}

// MetricsCostReport is what `measure metrics` prints.
type MetricsCostReport struct {
	Duration string            `json:"phase_duration"`
	Rounds   []MetricsCostRun  `json:"runs"`
	Mean     map[string]MeanOf `json:"mean"`
}

// MetricsCostRun is one system's phases.
type MetricsCostRun struct {
	Metrics bool                 `json:"metrics"`
	Phases  map[string]wrkResult `json:"phases"`
}

// MeanOf is a phase's mean rate with metrics off and on, and on/off.
type MeanOf struct {
	Off   float64 `json:"off_per_second"`
	On    float64 `json:"on_per_second"`
	Ratio float64 `json:"on_over_off"`
}

var metricsCostPhases = []string{"GET /healthz", "POST /api/token", "GET /api/token"}

func runMetricsCost(args []string) error {
	o := metricsCostOptions{sandbox: sandbox.Options{Instances: 1, HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 1, MaxActive: 1, Seats: 50}}
	fs := flag.NewFlagSet("measure metrics", flag.ContinueOnError)
	fs.IntVar(&o.rounds, "rounds", 2, "systems started with metrics off, and as many with them on, alternately (1 to 5)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each phase runs (1s to 1m)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o.sandbox, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.rounds < 1 || o.rounds > 5:
		return errors.New("-rounds must be 1 to 5")
	case o.duration < time.Second || o.duration > time.Minute:
		return errors.New("-duration must be 1s to 1m")
	}
	ctx, cancel := boundedRun(10 * time.Minute)
	defer cancel()
	r := MetricsCostReport{Duration: o.duration.String(), Mean: map[string]MeanOf{}}
	for i := range 2 * o.rounds {
		// off, on, on, off, off, on, …: a drift of the machine over the run falls on both sides.
		run, err := metricsCostRun(ctx, o, i%4 == 1 || i%4 == 2)
		if err != nil {
			return err
		}
		r.Rounds = append(r.Rounds, run)
	}
	for _, p := range metricsCostPhases {
		var m MeanOf
		for _, run := range r.Rounds {
			if run.Metrics {
				m.On += run.Phases[p].PerSecond / float64(o.rounds)
			} else {
				m.Off += run.Phases[p].PerSecond / float64(o.rounds)
			}
		}
		if m.Off > 0 {
			m.Ratio = m.On / m.Off
		}
		r.Mean[p] = m
	}
	printReport(os.Stdout, o.json, r)
	for _, run := range r.Rounds {
		for p, res := range run.Phases {
			if res.Failed > 0 {
				return fmt.Errorf("%s: %d requests failed", p, res.Failed)
			}
		}
	}
	return nil
}

// metricsCostRun starts a system with metrics on or off and runs the phases on it.
func metricsCostRun(ctx context.Context, o metricsCostOptions, metrics bool) (MetricsCostRun, error) {
	so := o.sandbox
	so.Env = append(so.Env, "BOXOFFICE_METRICS_ADDR=") // off, whatever the shell exports
	if metrics {
		so.Env = append(so.Env, "BOXOFFICE_METRICS_ADDR=127.0.0.1:0") // each role on a port of its own
	}
	sys, err := sandbox.Spawn(ctx, so)
	if err != nil {
		return MetricsCostRun{}, err
	}
	defer sys.Stop()
	base := sys.Targets[0]
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		return MetricsCostRun{}, err
	}
	// The first fan is admitted (the ceiling is one); the second waits, and is polled.
	var waiting string
	for i := range 2 {
		issued, err := api.IssueTokenWithResponse(ctx, apiclient.Fan(fmt.Sprintf("poller-%d", i)))
		if err != nil || issued.JSON200 == nil {
			return MetricsCostRun{}, fmt.Errorf("take a token: %w", failure(err, issued))
		}
		waiting = issued.JSON200.Token
	}
	run := MetricsCostRun{Metrics: metrics, Phases: map[string]wrkResult{}}
	for _, p := range []struct {
		name string
		l    wrkLoad
	}{
		{"GET /healthz", wrkLoad{url: base + "/healthz"}},
		{"POST /api/token", wrkLoad{url: base + "/api/token", script: issueScript("cost", []string{""})}},
		{"GET /api/token", wrkLoad{url: base + "/api/token", headers: []string{"Authorization: Bearer " + waiting}}},
	} {
		p.l.conns, p.l.duration = 256, o.duration
		res, err := runWrk(ctx, p.l)
		if err != nil {
			return run, fmt.Errorf("%s: %w", p.name, err)
		}
		run.Phases[p.name] = res
	}
	return run, nil
}

func (r MetricsCostReport) print(w io.Writer) {
	fmt.Fprintf(w, "metrics on and off: wrk, 2 threads, 256 connections, %s a phase, %d systems a side (off, on, on, off, …)\n\n", r.Duration, len(r.Rounds)/2)
	fmt.Fprintf(w, "%-18s", "phase")
	for _, run := range r.Rounds {
		fmt.Fprintf(w, " %9s", map[bool]string{true: "on", false: "off"}[run.Metrics])
	}
	fmt.Fprintf(w, " %10s %10s %8s\n", "mean off", "mean on", "on/off")
	for _, p := range metricsCostPhases {
		fmt.Fprintf(w, "%-18s", p)
		for _, run := range r.Rounds {
			fmt.Fprintf(w, " %9.0f", run.Phases[p].PerSecond)
		}
		m := r.Mean[p]
		fmt.Fprintf(w, " %10.0f %10.0f %7.1f%%\n", m.Off, m.On, 100*m.Ratio)
	}
}
