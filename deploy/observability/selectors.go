package observability

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Selector is a series a query reads: a metric's name and what its labels must match.
type Selector struct {
	Where    string
	Name     string
	Matchers []*labels.Matcher // besides the name's
}

// Selectors are the series that the queries of the dashboard and the rules select, one for each
// distinct metric name and matchers.
func Selectors() ([]Selector, error) {
	queries, err := Queries()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Selector
	for _, q := range queries {
		expr, err := parser.ParseExpr(q.Expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Where, err)
		}
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			if v, ok := n.(*parser.VectorSelector); ok {
				s := Selector{Where: q.Where, Name: v.Name}
				for _, m := range v.LabelMatchers {
					if m.Name != labels.MetricName {
						s.Matchers = append(s.Matchers, m)
					}
				}
				if !seen[s.String()] {
					seen[s.String()] = true
					out = append(out, s)
				}
			}
			return nil
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// Matches reports whether the series name with labels is one s selects.
func (s Selector) Matches(name string, labels map[string]string) bool {
	if name != s.Name {
		return false
	}
	for _, m := range s.Matchers {
		if !m.Matches(labels[m.Name]) {
			return false
		}
	}
	return true
}

// String is s as PromQL writes it.
func (s Selector) String() string {
	if len(s.Matchers) == 0 {
		return s.Name
	}
	ms := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		ms[i] = m.String()
	}
	return s.Name + "{" + strings.Join(ms, ",") + "}"
}

// Unmatched are the selectors that no series of page, a scrape in Prometheus's text format,
// matches: a histogram's buckets, sum and count each count as a series, as Prometheus stores
// them.
func Unmatched(page io.Reader, selectors []Selector) ([]Selector, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(page)
	if err != nil {
		return nil, fmt.Errorf("read the page: %w", err)
	}
	var series []sample
	for name, f := range families {
		for _, m := range f.GetMetric() {
			series = append(series, samplesOf(name, m)...)
		}
	}
	return slices.DeleteFunc(slices.Clone(selectors), func(s Selector) bool {
		return slices.ContainsFunc(series, func(x sample) bool { return s.Matches(x.name, x.labels) })
	}), nil
}

// sample is a series as Prometheus stores it.
type sample struct {
	name   string
	labels map[string]string
}

func samplesOf(name string, m *dto.Metric) []sample {
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if m.Histogram == nil {
		return []sample{{name, labels}}
	}
	out := []sample{{name + "_count", labels}, {name + "_sum", labels}}
	for _, b := range append(m.Histogram.GetBucket(), &dto.Bucket{UpperBound: new(math.Inf(1))}) {
		le := maps.Clone(labels)
		le["le"] = strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)
		out = append(out, sample{name + "_bucket", le})
	}
	return out
}
