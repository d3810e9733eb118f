// Package observability holds what operators watch boxoffice with, the Grafana dashboard and
// the Prometheus alert rules of this folder, and reads the series their queries select, so the
// tests hold the service to every panel and rule as committed.
package observability

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

var (
	//go:embed grafana/dashboards/boxoffice.json
	dashboard []byte
	//go:embed prometheus/alerts.yml
	alerts []byte
)

// Query is a PromQL expression of the dashboard or the rules.
type Query struct {
	Where string // the panel's title or the rule's name
	Expr  string
}

// Queries are the expressions of every panel of the dashboard (rows' panels included) and of
// every rule.
func Queries() ([]Query, error) {
	var dash struct{ Panels []panel }
	if err := json.Unmarshal(dashboard, &dash); err != nil {
		return nil, fmt.Errorf("read the dashboard: %w", err)
	}
	var queries []Query
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			for _, t := range p.Targets {
				queries = append(queries, Query{Where: fmt.Sprintf("panel %q", p.Title), Expr: t.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	var rules struct {
		Groups []struct {
			Rules []struct{ Alert, Record, Expr string }
		}
	}
	if err := yaml.Unmarshal(alerts, &rules); err != nil {
		return nil, fmt.Errorf("read the alert rules: %w", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			queries = append(queries, Query{Where: "rule " + r.Alert + r.Record, Expr: r.Expr})
		}
	}
	return queries, nil
}

type panel struct {
	Title   string
	Targets []struct{ Expr string }
	Panels  []panel // a row's
}
