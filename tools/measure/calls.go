package main

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"
)

// recorder keeps every call's latency and status, per endpoint; safe for concurrent fans.
type recorder struct {
	mu    sync.Mutex
	calls map[string]*endpointCalls
}

type endpointCalls struct {
	latencies []time.Duration
	statuses  map[string]int // "200", "409", … or "transport error"
}

func newRecorder() *recorder { return &recorder{calls: map[string]*endpointCalls{}} }

// timed runs one call and records its latency and status under name.
func timed[T interface{ StatusCode() int }](r *recorder, name string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	elapsed := time.Since(start)
	status := "transport error"
	if err == nil {
		status = strconv.Itoa(v.StatusCode())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls[name]
	if c == nil {
		c = &endpointCalls{statuses: map[string]int{}}
		r.calls[name] = c
	}
	c.latencies = append(c.latencies, elapsed)
	c.statuses[status]++
	return v, err
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p int) float64 {
		return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
	}
	return Percentiles{P50: at(50), P95: at(95), P99: at(99)}
}

// Percentiles are latencies in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// report is a measurement's result, printed as a table for people or as JSON for tools.
type report interface{ print(w io.Writer) }

// printReport prints r as indented JSON, or as its table.
func printReport(w io.Writer, asJSON bool, r report) {
	if !asJSON {
		r.print(w)
		return
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(r)
}
