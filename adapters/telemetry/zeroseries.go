package telemetry

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// zeroSeries are the series a scrape shows at zero until something is recorded in them.
// Prometheus sees a counter's first increase, and rate() has something to read, only if the
// series was there before it; OpenTelemetry's SDK exports a series from its first measurement
// on, and a histogram cannot record nothing. So each scrape's page gets the declared series it
// lacks, at zero: decided on the gathered page itself, a series is never shown twice.
type zeroSeries struct {
	mu       sync.Mutex
	families []*zeroFamily
}

// zeroFamily is one instrument's declared series.
type zeroFamily struct {
	name, help string
	kind       dto.MetricType
	bounds     []float64 // a histogram's buckets
	mu         sync.Mutex
	series     map[string][]*dto.LabelPair // by labelKey
}

// The exporter's naming: OpenTelemetry's names and attributes, escaped to underscores, with
// units and _total added (otelprom's default strategy).
var (
	metricNamer = otlptranslator.NewMetricNamer("", otlptranslator.UnderscoreEscapingWithSuffixes)
	labelNamer  = otlptranslator.LabelNamer{UTF8Allowed: false}
)

// family is the declared series of the instrument name (in unit, of kind); bounds are a
// histogram's.
func (z *zeroSeries) family(name, unit, help string, kind otlptranslator.MetricType, bounds []float64) (*zeroFamily, error) {
	exported, err := metricNamer.Build(otlptranslator.Metric{Name: name, Unit: unit, Type: kind})
	if err != nil {
		return nil, fmt.Errorf("name %s as the exporter does: %w", name, err)
	}
	f := &zeroFamily{name: exported, help: help, kind: dto.MetricType_COUNTER, bounds: bounds, series: map[string][]*dto.LabelPair{}}
	if kind == otlptranslator.MetricTypeHistogram {
		f.kind = dto.MetricType_HISTOGRAM
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.families = append(z.families, f)
	return f, nil
}

// declare makes the series of attrs show from the next scrape on.
func (f *zeroFamily) declare(attrs ...attribute.KeyValue) {
	set := attribute.NewSet(attrs...)
	labels := make([]*dto.LabelPair, 0, set.Len())
	for _, kv := range set.ToSlice() {
		name, err := labelNamer.Build(string(kv.Key))
		if err != nil {
			continue // never for the keys this package uses; the exporter would fail it too
		}
		labels = append(labels, &dto.LabelPair{Name: new(name), Value: new(kv.Value.String())})
	}
	slices.SortFunc(labels, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
	f.mu.Lock()
	defer f.mu.Unlock()
	f.series[labelKey(labels)] = labels
}

// fill adds to families, the gathered page, each declared series it lacks, at zero.
func (z *zeroSeries) fill(families []*dto.MetricFamily) []*dto.MetricFamily {
	gathered := make(map[string]*dto.MetricFamily, len(families))
	for _, f := range families {
		gathered[f.GetName()] = f
	}
	z.mu.Lock()
	declared := slices.Clone(z.families)
	z.mu.Unlock()
	for _, zf := range declared {
		f, found := gathered[zf.name]
		if !found {
			f = &dto.MetricFamily{Name: new(zf.name), Help: new(zf.help), Type: zf.kind.Enum()}
		}
		if zf.fillInto(f) && !found {
			families = append(families, f)
		}
	}
	slices.SortFunc(families, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return families
}

// fillInto adds to f each of the family's series it lacks, at zero, and says whether it added any.
func (zf *zeroFamily) fillInto(f *dto.MetricFamily) bool {
	present := make(map[string]bool, len(f.Metric))
	for _, m := range f.Metric {
		present[labelKey(m.Label)] = true
	}
	added := false
	zf.mu.Lock()
	for key, labels := range zf.series {
		if !present[key] {
			f.Metric, added = append(f.Metric, zf.zero(labels)), true
		}
	}
	zf.mu.Unlock()
	if added {
		slices.SortFunc(f.Metric, func(a, b *dto.Metric) int { return strings.Compare(labelKey(a.Label), labelKey(b.Label)) })
	}
	return added
}

// zero is a series with labels that has counted nothing.
func (zf *zeroFamily) zero(labels []*dto.LabelPair) *dto.Metric {
	m := &dto.Metric{Label: labels}
	if zf.kind != dto.MetricType_HISTOGRAM {
		m.Counter = &dto.Counter{Value: new(0.0)}
		return m
	}
	buckets := make([]*dto.Bucket, len(zf.bounds))
	for i, b := range zf.bounds {
		buckets[i] = &dto.Bucket{UpperBound: new(b), CumulativeCount: new(uint64(0))}
	}
	m.Histogram = &dto.Histogram{SampleCount: new(uint64(0)), SampleSum: new(0.0), Bucket: buckets}
	return m
}

// labelKey identifies a series within its family by its labels, sorted by name.
func labelKey(labels []*dto.LabelPair) string {
	var b strings.Builder
	for _, l := range labels {
		b.WriteString(l.GetName())
		b.WriteByte(0)
		b.WriteString(l.GetValue())
		b.WriteByte(0)
	}
	return b.String()
}

// zeroFilled is a gatherer whose pages carry the declared series they lack.
type zeroFilled struct {
	prometheus.Gatherer
	zeroes *zeroSeries
}

func (g zeroFilled) Gather() ([]*dto.MetricFamily, error) {
	families, err := g.Gatherer.Gather()
	return g.zeroes.fill(families), err
}

// counter is a counter whose series can be declared before anything is counted in them.
type counter struct {
	metric.Int64Counter
	zero *zeroFamily
}

func (z *zeroSeries) counter(m metric.Meter, name, help string) (counter, error) {
	c, err := m.Int64Counter(name, metric.WithDescription(help))
	if err != nil {
		return counter{}, err
	}
	f, err := z.family(name, "", help, otlptranslator.MetricTypeMonotonicCounter, nil)
	return counter{c, f}, err
}

// histogram is a latency histogram (seconds, latencyBuckets) whose series can be declared
// before anything is recorded in them.
type histogram struct {
	metric.Float64Histogram
	zero *zeroFamily
}

func (z *zeroSeries) histogram(m metric.Meter, name, help string) (histogram, error) {
	h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(help))
	if err != nil {
		return histogram{}, err
	}
	f, err := z.family(name, "s", help, otlptranslator.MetricTypeHistogram, latencyBuckets)
	return histogram{h, f}, err
}
