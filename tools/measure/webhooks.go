package main

// The webhooks benchmark measures how fast the outbox reaches the platform: it starts
// boxoffice on PostgreSQL and Temporal (an API instance and a worker), registers loopback
// receivers, commits a burst of events to the outbox in one transaction (straight through SQL:
// the changes are not what is measured), and times each event from that commit to its first
// verified arrival at every receiver.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// WebhooksReport is what `measure webhooks` prints.
type WebhooksReport struct {
	Events    int           `json:"events"`
	Endpoints int           `json:"endpoints"`
	AllIn     time.Duration `json:"all_in_ns"` // from the commit to the last arrival at the last endpoint
	PerSecond float64       `json:"events_per_second_per_endpoint"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
}

func (r WebhooksReport) print(w io.Writer) {
	fmt.Fprintf(w, "%d events to each of %d endpoints: all delivered %s after their commit, %.0f events/s an endpoint; "+
		"commit to arrival p50 %s, p99 %s\n", r.Events, r.Endpoints, r.AllIn.Round(time.Millisecond), r.PerSecond,
		r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond))
}

// runWebhooksBench is `measure webhooks`.
func runWebhooksBench(args []string) error {
	o := sandbox.Options{Instances: 1, HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 100, MaxActive: 100, Seats: 10}
	fs := flag.NewFlagSet("measure webhooks", flag.ContinueOnError)
	events := fs.Int("events", 2000, "events committed at once, 1 to 100,000")
	endpoints := fs.Int("endpoints", 1, "receivers, each hearing every event, 1 to 20")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *events < 1 || *events > 100_000 || *endpoints < 1 || *endpoints > 20 {
		return errors.New("-events must be 1 to 100,000 and -endpoints 1 to 20")
	}
	ctx, cancel := boundedRun(10 * time.Minute)
	defer cancel()
	o.Env = append(o.Env, "BOXOFFICE_WEBHOOK_ALLOW=127.0.0.1")
	sys, err := sandbox.Spawn(ctx, o)
	if err != nil {
		return err
	}
	defer sys.Stop()
	r, err := deliverBurst(ctx, sys, *events, *endpoints)
	if err != nil {
		return err
	}
	printReport(os.Stdout, *asJSON, r)
	return nil
}

// deliverBurst registers the receivers, commits n events at once and waits for every receiver
// to have them all.
func deliverBurst(ctx context.Context, sys *sandbox.System, n, endpoints int) (WebhooksReport, error) {
	receivers := make([]*platform, endpoints)
	for i := range receivers {
		p, err := listenAsPlatform(ctx, sys)
		if err != nil {
			return WebhooksReport{}, err
		}
		defer p.close()
		receivers[i] = p
	}
	conn, err := pgx.Connect(ctx, sys.DBURL)
	if err != nil {
		return WebhooksReport{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `INSERT INTO events (id, type, sale_id, data, created_at)
		SELECT gen_random_uuid(), 'sale.sold_out', $1, jsonb_build_object('sale_id', $1::text, 'date', '2030-01-01'), now()
		FROM generate_series(1, $2::int)`, sys.Sales[0], n)
	if err != nil {
		return WebhooksReport{}, fmt.Errorf("commit the burst: %w", err)
	}
	committed := time.Now()
	var latencies []time.Duration
	for _, p := range receivers {
		if _, err := p.awaitEveryEvent(ctx, sys, 8*time.Minute); err != nil {
			return WebhooksReport{}, err
		}
		for _, at := range p.arrivals() {
			latencies = append(latencies, at.Sub(committed))
		}
	}
	slices.Sort(latencies)
	last := latencies[len(latencies)-1]
	return WebhooksReport{Events: n, Endpoints: endpoints, AllIn: last, PerSecond: float64(n) / last.Seconds(),
		P50: latencies[len(latencies)/2], P99: latencies[len(latencies)*99/100]}, nil
}
