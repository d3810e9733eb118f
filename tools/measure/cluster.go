package main

// The cluster runs boxoffice in its production shape on loopback until Ctrl-C: a Temporal
// server built from source on PostgreSQL (frontend, history, matching and worker services, each
// a process), workers, API instances behind HAProxy, and PostgreSQL behind PgBouncer in
// transaction mode. It prints where to look, and stops everything (and drops its databases
// unless -keep) when told to.

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// runCluster is `measure cluster` (make cluster).
func runCluster(args []string) error {
	o := sandbox.Options{Instances: 3, Workers: 2, Cluster: true, HoldTTL: 5 * time.Minute, SessionTTL: 10 * time.Minute,
		AdmitRate: 100, MaxActive: 1000, Seats: 100}
	fs := flag.NewFlagSet("measure cluster", flag.ContinueOnError)
	limit := fs.Duration("for", 8*time.Hour, "stop after this long at most")
	sandbox.BindFlags(fs, &o, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Cluster, o.TemporalUI = true, true
	ctx, cancel := boundedRun(*limit)
	defer cancel()
	began := time.Now()
	sys, err := sandbox.Spawn(ctx, o)
	if err != nil {
		return err
	}
	defer sys.Stop()
	describeCluster(os.Stdout, sys, time.Since(began))
	<-ctx.Done()
	fmt.Println("stopping the cluster")
	return nil
}

// describeCluster prints where each part of a running cluster is.
func describeCluster(w io.Writer, sys *sandbox.System, took time.Duration) {
	fmt.Fprintf(w, "boxoffice cluster ready in %s\n\n", took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  api (HAProxy)       %s/api   docs %s/docs\n", sys.Targets[0], sys.Targets[0])
	fmt.Fprintf(w, "  HAProxy stats       %s\n", sys.Proxy.StatsURL)
	for i, api := range sys.Instances {
		fmt.Fprintf(w, "  api %d               %s (pid %d)\n", i+1, api, sys.PID(sys.Workers()+i))
	}
	for i := range sys.Workers() {
		fmt.Fprintf(w, "  worker %d            pid %d\n", i+1, sys.PID(i))
	}
	fmt.Fprintf(w, "  Temporal UI         %s\n", sys.Server.UI)
	fmt.Fprintf(w, "  Temporal frontend   %s   (temporal workflow list --address %s)\n", sys.Server.Frontend, sys.Server.Frontend)
	for _, svc := range temporalserver.Services {
		fmt.Fprintf(w, "  Temporal %-10s metrics %s, log %s\n", svc, sys.Server.MetricsURLs[svc], sys.Server.Log(svc))
	}
	fmt.Fprintf(w, "  PgBouncer           %s (transaction mode), log %s\n", sys.Bouncer.Addr, sys.Bouncer.Log)
	fmt.Fprintf(w, "  database            %s\n", sys.DBURL)
	fmt.Fprintf(w, "  admin key           %s\n", sys.AdminKey)
	fmt.Fprintf(w, "  sales               %v\n\nCtrl-C stops everything.\n", sys.Sales)
}
