// Command measure holds boxoffice's measuring tools. Each targets loopback only, is bounded in
// count and time, and stops by itself; with -spawn (rush) or by default (queue) it starts a
// whole boxoffice of its own (tools/sandbox) and stops it afterwards. It lives in a module of its
// own and drives boxoffice through its binary (make build), its API and its public packages;
// make measure builds it into bin/.
//
//	bin/measure rush -spawn 2 -fans 500      # make rush-ci; make rush
//	bin/measure queue                        # make bench-queue
//	bin/measure sales                        # make bench-sales
//	bin/measure cancellation                 # make bench-cancellation
//	bin/measure booking                      # make bench-booking
//	bin/measure metrics                      # make bench-metrics
//	bin/measure soak                         # make soak
//	bin/measure idle                         # make bench-idle
//	bin/measure cluster                      # make cluster
//	bin/measure latency -base http://127.0.0.1:8080 -fans 50
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usage = `measure: boxoffice's measuring tools, on loopback

usage: measure <tool> [flags]

tools:
  rush      a whole simulated sale: fans queue, hold, top up and pay; then the audit
  queue     the waiting room's front door (token issue, polling) against /healthz, and memory
  sales     token issue with one sale and with ten open, and a 2,000-seat listing, against
            /healthz, with wrk
  latency   each endpoint's latency, fans walking the whole flow one after another
  booking   the booking path: listing, a hold storm and token issue against /healthz (wrk),
            payments against a raw Temporal update, issue at a constant rate, a mass expiry
  metrics   token issue and polling with metrics on against off, with wrk
  cancellation
            an operator cancels a sold-out performance (2,000 seats): until every fan is
            refunded, once each; then the audit
  idle      what sales nobody queues for cost: CPU and database load with 1 and 1,000 open,
            and the lists of sales
  cluster   boxoffice in its production shape until Ctrl-C: a Temporal server built from
            source on PostgreSQL, workers, APIs behind HAProxy, PostgreSQL behind PgBouncer
  webhooks  a burst of events committed to the outbox: how fast each reaches one or more
            loopback receivers, verified
  soak      a sale kept going while every long-running workflow continues as new several
            times: fans admitted within the wait they were told, a cancellation of many
            rounds refunding everyone once, each workflow's runs of its own type

Run 'measure <tool> -h' for its flags.
`

// boundedRun is a tool's context: it ends after limit, or at Ctrl-C or SIGTERM, so a run stops
// by itself and still stops what it spawned.
func boundedRun(limit time.Duration) (context.Context, context.CancelFunc) {
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(sigCtx, limit)
	return ctx, func() { cancel(); stop() }
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	tools := map[string]func(args []string) error{"rush": runRush, "queue": runQueueBench, "sales": runSalesBench, "latency": runLatency,
		"cancellation": runCancellationBench, "booking": runBookingBench, "metrics": runMetricsCost, "soak": runSoak, "idle": runIdleBench,
		"cluster": runCluster, "webhooks": runWebhooksBench}
	tool, ok := tools[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "measure: unknown tool %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err := tool(os.Args[2:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "measure %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
