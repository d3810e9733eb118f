package main

// A closed loop over a fixed count of calls, shared by the booking benchmark's Go phases.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// callers is how many call at once in a closed loop: the payments phase's concurrent fans.
const callers = 64

// closedLoop is what a fixed count of calls by concurrent callers measured.
type closedLoop struct {
	Count     int     `json:"count"`
	PerSecond float64 `json:"per_second"`
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
	Failed    int64   `json:"failed"`
}

// openDates lists the dates of the token's sale.
func openDates(ctx context.Context, api *apiclient.ClientWithResponses, token string) ([]string, error) {
	dates, err := api.ListDatesWithResponse(ctx, apiclient.Bearer(token))
	if err != nil || dates.JSON200 == nil {
		return nil, fmt.Errorf("list dates: %w", failure(err, dates))
	}
	return *dates.JSON200, nil
}

// inParallel calls f for 0..n-1 from callers callers, each taking the next index, and
// measures the calls: their rate over the whole wall time and their latencies. The first error
// stops the callers and is returned.
func inParallel(ctx context.Context, n int, f func(i int) error) (closedLoop, error) {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	errs := make([]error, callers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range callers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				t := time.Now()
				if err := f(i); err != nil {
					errs[w] = err
					next.Store(int64(n))
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return closedLoop{}, err
	}
	p := percentiles(lat)
	return closedLoop{Count: n, PerSecond: float64(n) / wall.Seconds(), P50Millis: p.P50, P99Millis: p.P99}, nil
}
