package observability_test

import (
	"os"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/deploy/observability"
)

func TestQueriesAreEveryPanelsAndEveryRules(t *testing.T) {
	queries, err := observability.Queries()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for file, key := range map[string]string{"grafana/dashboards/boxoffice.json": `"expr":`, "prometheus/alerts.yml": "expr:"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want += strings.Count(string(raw), key)
	}
	if len(queries) != want || want == 0 {
		t.Fatalf("read %d queries, want the %d the files hold", len(queries), want)
	}
	for _, q := range queries {
		if q.Expr == "" || q.Where == "" {
			t.Errorf("a query read without its expression or its place: %+v", q)
		}
	}
}
