package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// load sends requests to one API over a pool of keep-alive connections.
// The measured phases send minimal requests by hand (do); filling and reading the queue go
// through the generated client.
type load struct {
	base     string
	adminKey string
	client   *http.Client
	api      *apiclient.ClientWithResponses
}

func newLoad(base, adminKey string, conns int) (*load, error) {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	api, err := apiclient.NewClientWithResponses(base, apiclient.WithHTTPClient(client))
	if err != nil {
		return nil, err
	}
	return &load{base: base, adminKey: adminKey, client: client, api: api}, nil
}

// Phase is one endpoint under load at one connection count.
type Phase struct {
	Endpoint  string  `json:"endpoint"`
	Conns     int     `json:"conns"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	RPS       float64 `json:"requests_per_second"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	OfCeiling float64 `json:"of_ceiling"`
	// FirstError is the first failure's message, if any failed.
	FirstError string `json:"first_error,omitempty"`
}

// phase runs do from conns goroutines at once, each back to back, for d.
func (l *load) phase(ctx context.Context, name string, conns int, d time.Duration, do func(context.Context) error) Phase {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lat := make([][]time.Duration, conns)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	began := time.Now()
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t := time.Now()
				err := do(ctx)
				if ctx.Err() != nil {
					return // cut by the phase's end: neither counted nor failed
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[i] = append(lat[i], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	all := slices.Concat(lat...)
	slices.Sort(all)
	p := Phase{Endpoint: name, Conns: conns, Requests: len(all), Errors: int(errs.Load()), RPS: float64(len(all)) / elapsed.Seconds()}
	if msg, ok := firstErr.Load().(string); ok {
		p.FirstError = msg
	}
	if len(all) > 0 {
		p.P50ms = ms(all[len(all)/2])
		p.P99ms = ms(all[len(all)*99/100])
	}
	return p
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// warm opens the connections and lets the server's allocations settle before a measurement.
func (l *load) warm(ctx context.Context, conns int) {
	l.phase(ctx, "warm-up", conns, time.Second, l.healthz)
}

func (l *load) healthz(ctx context.Context) error {
	_, err := l.do(ctx, http.MethodGet, "/healthz", "", "")
	return err
}

// The load generator shares the machine with the server, so it keeps its own work small and
// equal across endpoints: no JSON encoding or decoding in the measured phases, only a check of
// the status code and, for polls, of the token's status in the body.

func (l *load) issue(ctx context.Context, user string) error {
	_, err := l.do(ctx, http.MethodPost, "/api/token", "", `{"user_id":"`+user+`"}`)
	return err
}

var waitingOrActive = [][]byte{[]byte(`"status":"waiting"`), []byte(`"status":"active"`)}

func (l *load) poll(ctx context.Context, token string) error {
	raw, err := l.do(ctx, http.MethodGet, "/api/token", token, "")
	if err != nil {
		return err
	}
	// The worker admits one fan (a ceiling of 1); every other polled token waits.
	if !bytes.Contains(raw, waitingOrActive[0]) && !bytes.Contains(raw, waitingOrActive[1]) {
		return fmt.Errorf("polled token neither waiting nor active: %s", raw)
	}
	return nil
}

// do sends one request and reads the whole answer; anything but 200 is an error.
func (l *load) do(ctx context.Context, method, path, token, body string) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header["Content-Type"] = jsonType
	}
	if token != "" {
		req.Header["Authorization"] = []string{"Bearer " + token}
	}
	res, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return raw, nil
}

var jsonType = []string{"application/json"}

// tokens is a pool of issued tokens handed out round-robin.
type tokens struct {
	list []string
	i    atomic.Int64
}

func (t *tokens) next() string { return t.list[int(t.i.Add(1))%len(t.list)] }

// userIDs hands out distinct user ids.
type userIDs struct {
	prefix string
	n      atomic.Int64
}

func (u *userIDs) next() string { return fmt.Sprintf("%s-%d", u.prefix, u.n.Add(1)) }

// fill issues n tokens for new fans, 64 at a time, and returns them.
func (l *load) fill(ctx context.Context, prefix string, n int) (*tokens, error) {
	users := &userIDs{prefix: prefix}
	out := make([]string, n)
	err := l.each(ctx, n, func(ctx context.Context, i int) error {
		res, err := l.api.IssueTokenWithResponse(ctx, apiclient.Fan(users.next()))
		if err != nil {
			return err
		}
		if res.JSON200 == nil {
			return fmt.Errorf("POST /api/token: %d %s", res.StatusCode(), res.Body)
		}
		out[i] = res.JSON200.Token
		return nil
	})
	return &tokens{list: out}, err
}

// pollAll polls every token of the pool once.
func (l *load) pollAll(ctx context.Context, t *tokens) error {
	return l.each(ctx, len(t.list), func(ctx context.Context, i int) error { return l.poll(ctx, t.list[i]) })
}

// each runs f for 0..n-1 on 64 goroutines and returns the first error.
func (l *load) each(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
