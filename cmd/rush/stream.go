package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// streamer opens event streams to one API: each on a connection of its own, without the
// request timeout of the other calls (a stream lasts as long as the wait).
type streamer struct {
	base   string
	client *http.Client
}

func newStreamer(base string) *streamer {
	return &streamer{base: base, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
}

// follow streams GET /api/token/events until the token is active; an outcome other than ""
// ends the visit. The time to the first event is recorded as the stream's latency.
func (f *fan) follow(ctx context.Context, rec *recorder, s *sale, status apiclient.TokenBody, giveUpAt time.Time) (apiclient.TokenBody, outcome) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !giveUpAt.IsZero() {
		time.AfterFunc(time.Until(giveUpAt), cancel)
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // a fan who learns the sale is over stops listening
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if s.soldOut.Load() {
					cancel()
					return
				}
			}
		}
	}()

	// Headers come with the first event: the latency recorded is the time to open the stream.
	events, err := timed(rec, "GET /api/token/events", func() (*streamResponse, error) { return f.stream.open(ctx, f.token) })
	if f.err = answer(err, events, err == nil && events.status == http.StatusOK); f.err != nil {
		if out := f.ended(s, giveUpAt); out != failed {
			f.err = nil
			return status, out
		}
		return status, failed
	}
	defer events.body.Close()
	for {
		name, data, err := events.next()
		if err != nil {
			if out := f.ended(s, giveUpAt); out != failed {
				f.err = nil
				return status, out
			}
			f.err = fmt.Errorf("event stream ended before admission: %w", err)
			return status, failed
		}
		switch name {
		case "status":
			if err := json.Unmarshal([]byte(data), &status); err != nil {
				f.err = fmt.Errorf("status event %q: %w", data, err)
				return status, failed
			}
			if status.Status == apiclient.Active {
				return status, ""
			}
		case "ended":
			f.err = fmt.Errorf("stream ended: %s", data)
			return status, failed
		}
	}
}

// ended names why a stream stopped early: the fan walked away or the sale sold out.
func (f *fan) ended(s *sale, giveUpAt time.Time) outcome {
	switch {
	case s.soldOut.Load():
		return soldOut
	case !giveUpAt.IsZero() && !time.Now().Before(giveUpAt):
		return abandonedQueue
	}
	return failed
}

// streamResponse is an open event stream.
type streamResponse struct {
	status int
	body   interface{ Close() error }
	lines  *bufio.Scanner
}

func (r *streamResponse) StatusCode() int { return r.status }

func (st *streamer) open(ctx context.Context, token string) (*streamResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.base+"/api/token/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := st.client.Do(req)
	if err != nil {
		return nil, err
	}
	return &streamResponse{status: res.StatusCode, body: res.Body, lines: bufio.NewScanner(res.Body)}, nil
}

// next returns the next event's name and data.
func (r *streamResponse) next() (name, data string, err error) {
	for r.lines.Scan() {
		line := r.lines.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			return name, strings.TrimPrefix(line, "data: "), nil
		}
	}
	if err := r.lines.Err(); err != nil {
		return "", "", err
	}
	return "", "", errors.New("the server closed the stream")
}
