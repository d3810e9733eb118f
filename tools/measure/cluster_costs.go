package main

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// clusterCounters are the production shape's running totals that size a cluster: Temporal's
// billable actions (the frontend's `action` counter), its workflows' state transitions and
// its persistence requests (every service's), and the transactions committed in boxoffice's
// database and in Temporal's two.
type clusterCounters struct {
	Actions, Transitions, Persistence float64
	BoxofficeXacts, TemporalXacts     float64
}

// minus is c's growth since before.
func (c clusterCounters) minus(before clusterCounters) clusterCounters {
	return clusterCounters{
		Actions: c.Actions - before.Actions, Transitions: c.Transitions - before.Transitions,
		Persistence: c.Persistence - before.Persistence, BoxofficeXacts: c.BoxofficeXacts - before.BoxofficeXacts,
		TemporalXacts: c.TemporalXacts - before.TemporalXacts,
	}
}

// per is c divided by n (a count of tickets sold, say).
func (c clusterCounters) per(n int) clusterCounters {
	f := float64(n)
	return clusterCounters{Actions: c.Actions / f, Transitions: c.Transitions / f, Persistence: c.Persistence / f,
		BoxofficeXacts: c.BoxofficeXacts / f, TemporalXacts: c.TemporalXacts / f}
}

func (c clusterCounters) String() string {
	return fmt.Sprintf("%.1f Temporal actions, %.1f state transitions, %.1f persistence requests, %.1f transactions in boxoffice's database and %.1f in Temporal's",
		c.Actions, c.Transitions, c.Persistence, c.BoxofficeXacts, c.TemporalXacts)
}

// counterLine is a sample of a counter clusterCounters adds up, in Prometheus' text format.
var counterLine = regexp.MustCompile(`^(action|state_transition_count_sum|persistence_requests)(?:_total)?(?:\{[^}]*\})? ([0-9.e+]+)$`)

// readClusterCounters reads the totals of sys, which runs the production shape.
func readClusterCounters(ctx context.Context, sys *sandbox.System) (clusterCounters, error) {
	var c clusterCounters
	add := func(name string, v float64) {
		switch name {
		case "action":
			c.Actions += v
		case "state_transition_count_sum":
			c.Transitions += v
		case "persistence_requests":
			c.Persistence += v
		}
	}
	for _, url := range sys.Server.MetricsURLs {
		if err := scrapeSamples(ctx, url, counterLine, add); err != nil {
			return c, err
		}
	}
	conn, err := pgx.Connect(ctx, sys.DBURL) // pg_stat_database shows every database
	if err != nil {
		return c, err
	}
	defer conn.Close(ctx)
	name := sys.DatabaseName()
	temporalDBs := temporalserver.Databases(name)
	err = conn.QueryRow(ctx, `SELECT coalesce(sum(xact_commit) FILTER (WHERE datname = $1), 0),
		coalesce(sum(xact_commit) FILTER (WHERE datname IN ($2, $3)), 0)
		FROM pg_stat_database`, name, temporalDBs["temporal"], temporalDBs["visibility"]).Scan(&c.BoxofficeXacts, &c.TemporalXacts)
	return c, err
}
