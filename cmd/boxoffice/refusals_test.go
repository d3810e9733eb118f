package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/testbed/freeport"
)

// The API role serves through the listener that turns Go's own plain-text refusals into
// problems: a DEL byte in Idempotency-Key is a problem like every other 400.
func TestTheAPIRoleAnswersUnparsableRequestsWithProblems(t *testing.T) {
	port, err := freeport.Port()
	if err != nil {
		t.Fatal(err)
	}
	c := config{
		Addr: fmt.Sprintf("127.0.0.1:%d", port), TokenKey: base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))),
		TicketKey: base64.StdEncoding.EncodeToString([]byte(strings.Repeat("t", 32))), HoldTTL: time.Minute, SessionTTL: time.Hour,
		AdmitRate: 10, MaxActive: 10, AdmitTick: time.Second, AbandonAfter: time.Minute, QueueRefresh: time.Second, Identity: "open",
	}
	a, err := app.New(app.Ports{
		Stores: memory.NewStore().Stores(), Loop: memory.NewAdmission(c.policy().Queue.Admission), Clock: core.SystemClock{},
		Lifecycle:     func(s *booking.Settler) booking.Lifecycle { return memory.NewLifecycle(core.SystemClock{}, s) },
		Cancellations: func(r *booking.Refunder) booking.Cancellations { return memory.NewCancellations(r) },
	}, c.policy())
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	up, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- runApp(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)), a, nil, observability{}, roleAPI, nil, func(addr string) { up <- addr })
	}()
	var addr string
	select {
	case addr = <-up:
	case err := <-done:
		t.Fatalf("API role did not start: %v", err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, "POST /api/balance HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\x7fb\r\nContent-Length: 0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 400 || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "DEL") {
		t.Fatalf("a DEL byte in a header: %d %s %s, want a 400 problem saying why", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}
