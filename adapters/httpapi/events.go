package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/sse"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Heartbeat is the event a stream sends when nothing changed for a while, so clients and
// proxies know it is alive.
type Heartbeat struct {
	Time time.Time `json:"time" doc:"Server time (RFC 3339, UTC)."`
}

// StreamEnded is the last event of a stream whose token can no longer be admitted: it expired,
// or its sale closed.
type StreamEnded struct {
	Detail string `json:"detail" doc:"Why the stream ended and what to do."`
}

// Stream pacing: how often a stream looks at the queue, when it sends a heartbeat, and how
// long one stream lasts before the client is asked to reconnect.
const (
	DefaultStreamInterval  = time.Second
	DefaultStreamHeartbeat = 15 * time.Second
	maxStream              = time.Hour
)

// StreamsPerToken bounds the event streams one token may hold open on an instance: enough for a
// fan with two tabs, too few for one client to pin goroutines by the thousand.
const StreamsPerToken = 2

// openStreams counts each token's open streams on this instance.
type openStreams struct {
	mu    sync.Mutex
	count map[core.ID]int
}

// limit refuses a stream beyond StreamsPerToken with 429 and counts the others while they run.
func (o *openStreams) limit(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		id := caller(ctx.Context()).TokenID
		o.mu.Lock()
		if o.count[id] >= StreamsPerToken {
			o.mu.Unlock()
			ctx.SetHeader("Retry-After", "5")
			_ = huma.WriteErr(api, ctx, http.StatusTooManyRequests, fmt.Sprintf(
				"this token already has %d event streams open on this server; close one, or poll GET /api/token", StreamsPerToken))
			return
		}
		o.count[id]++
		o.mu.Unlock()
		defer func() {
			o.mu.Lock()
			if o.count[id]--; o.count[id] == 0 {
				delete(o.count, id)
			}
			o.mu.Unlock()
		}()
		next(ctx)
	}
}

func registerEvents(api huma.API, s *server) {
	streams := &openStreams{count: map[core.ID]int{}}
	op := secured(huma.Operation{
		OperationID: "streamToken",
		Method:      http.MethodGet,
		Path:        "/api/token/events",
		Summary:     "Stream your place in the queue",
		Description: "Server-Sent Events: a `status` event (the body of GET /api/token) whenever your position, estimate, " +
			"status or token changes, a `heartbeat` when nothing changed for a while, and `ended` if the token expires or " +
			"the sale closes. " +
			"The stream closes after the status that says active. Streaming counts as being seen, like polling; " +
			"clients that cannot stream poll GET /api/token instead. A token may hold 2 streams open at once (429 beyond).",
		Tags: []string{"queue"},
	}, http.StatusTooManyRequests)
	op.Middlewares = huma.Middlewares{streams.limit(api)}
	sse.Register(api, op, map[string]any{"status": TokenBody{}, "heartbeat": Heartbeat{}, "ended": StreamEnded{}},
		func(ctx context.Context, _ *struct{}, send sse.Sender) { s.stream(ctx, send) })
}

// stream sends the caller's status until it is active, the token ends, the client leaves or
// the server stops. Each look at the queue is the poll's path: no database read while waiting.
func (s *server) stream(ctx context.Context, send sse.Sender) {
	interval, heartbeat := s.StreamInterval, s.StreamHeartbeat
	if interval <= 0 {
		interval = DefaultStreamInterval
	}
	if heartbeat <= 0 {
		heartbeat = DefaultStreamHeartbeat
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	deadline := time.After(maxStream)
	var last string
	lastSent := time.Now()
	for {
		st, err := s.Entrance.Status(ctx, caller(ctx))
		if err != nil {
			if errors.Is(err, core.ErrUnauthenticated) || errors.Is(err, core.ErrGone) {
				_ = send(sse.Message{Data: StreamEnded{Detail: err.Error()}})
			}
			return
		}
		body, err := s.tokenBody(ctx, st)
		if err != nil {
			return
		}
		if key := body.Token + body.Status + body.QueueInfo.EstimatedWaitTime + strconv.FormatInt(body.QueueInfo.Position, 10) +
			strconv.FormatBool(body.QueueInfo.SoldOut); key != last {
			if send(sse.Message{Data: body}) != nil {
				return
			}
			last, lastSent = key, time.Now()
			// Later looks present the token just sent, as a polling client would.
			p := presentedToken(ctx)
			p.raw, p.caller.Seq = body.Token, st.SignedSeq()
			ctx = context.WithValue(ctx, callerKey{}, p)
		} else if time.Since(lastSent) >= heartbeat {
			if send(sse.Message{Data: Heartbeat{Time: time.Now().UTC()}}) != nil {
				return
			}
			lastSent = time.Now()
		}
		if st.Token.State == queue.Active {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.Stopping:
			return
		case <-deadline:
			return
		case <-tick.C:
		}
	}
}
