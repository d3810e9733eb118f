package main

// The open-loop phase of the booking benchmark: POST /api/token with a new fan each request at
// a constant arrival rate (vegeta's attacker as a library), whatever the answers' latency. A
// closed loop like wrk's slows its requests down when the server does, and its p99 hides the
// queueing; at a constant rate a slow answer delays no other request's send, so p99 is the
// honest figure.

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// OpenLoopReport is a constant-rate phase's result.
type OpenLoopReport struct {
	Endpoint  string  `json:"endpoint"`
	Rate      int     `json:"rate_per_second"`
	Duration  string  `json:"duration"`
	Requests  uint64  `json:"requests"`
	Achieved  float64 `json:"sent_per_second"` // how fast the requests went out: the rate kept, or not
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
	MaxMillis float64 `json:"max_ms"`
	Failed    uint64  `json:"failed"`
}

// issueAtRate issues tokens at rate a second for d.
func issueAtRate(ctx context.Context, base string, rate int, d time.Duration) OpenLoopReport {
	var n atomic.Int64
	stamp := time.Now().UnixNano()
	header := http.Header{"Content-Type": []string{"application/json"}}
	targeter := func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header = http.MethodPost, base+"/api/token", header
		t.Body = fmt.Appendf(nil, `{"user_id":"open-loop-%d-%d"}`, stamp, n.Add(1))
		return nil
	}
	// No cap on the workers (vegeta's default): a capped attacker waits for a free worker and
	// times the request from when it goes out, hiding the queueing an open loop exists to see.
	attacker := vegeta.NewAttacker(vegeta.Timeout(5*time.Second), vegeta.KeepAlive(true), vegeta.Workers(64))
	var m vegeta.Metrics
	results := attacker.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, d, "issue")
	stop := ctx.Done()
	for done := false; !done; {
		select {
		case res, ok := <-results:
			if !ok {
				done = true
				break
			}
			m.Add(res)
		case <-stop:
			attacker.Stop()
			stop = nil
		}
	}
	m.Close()
	return OpenLoopReport{
		Endpoint: "POST /api/token", Rate: rate, Duration: d.String(), Requests: m.Requests, Achieved: m.Rate,
		P50Millis: ms(m.Latencies.P50), P99Millis: ms(m.Latencies.P99), MaxMillis: ms(m.Latencies.Max),
		Failed: m.Requests - uint64(m.StatusCodes["200"]),
	}
}
