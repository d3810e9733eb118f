package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
// ends the visit. The time to the first event is recorded as the stream's latency. One loop over
// the stream's events, kept whole so each kind of event reads beside the others.
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
	admitted := false
	readErr := apiclient.ReadEvents(events.body, func(name, data string) bool {
		switch name {
		case "status":
			if err := json.Unmarshal([]byte(data), &status); err != nil {
				f.err = fmt.Errorf("status event %q: %w", data, err)
				return false
			}
			admitted = status.Status == apiclient.Active
			return !admitted
		case "ended":
			f.err = fmt.Errorf("stream ended: %s", data)
			return false
		}
		return true
	})
	switch {
	case admitted:
		return status, ""
	case f.err != nil:
		return status, failed
	}
	if out := f.ended(s, giveUpAt); out != failed {
		return status, out
	}
	if readErr == nil {
		readErr = errors.New("the server closed the stream")
	}
	f.err = fmt.Errorf("event stream ended before admission: %w", readErr)
	return status, failed
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
	body   io.ReadCloser
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
	return &streamResponse{status: res.StatusCode, body: res.Body}, nil
}
