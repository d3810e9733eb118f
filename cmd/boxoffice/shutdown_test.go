package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/testbed/freeport"
)

// TestShutdownDrainsInFlightRequests loads the API role with concurrent requests and ends it as
// SIGTERM does (the run context is cancelled): every request the server began handling must
// reach its client whole. Requests it never began (refused or closed while idle) may fail. An
// open event stream is ended by the server, so it does not hold the drain up.
func TestShutdownDrainsInFlightRequests(t *testing.T) {
	store := slowSeats{Store: memory.NewStore(), entered: &atomic.Int64{}}
	today := core.DateOf(time.Now())
	port, err := freeport.Port()
	if err != nil {
		t.Fatal(err)
	}
	seed := strings.Repeat("k", 32)
	c := config{
		Addr: fmt.Sprintf("127.0.0.1:%d", port), TokenKey: base64.StdEncoding.EncodeToString([]byte(seed)), TicketKey: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)),
		HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 10, MaxActive: 10, AdmitTick: time.Second,
		AbandonAfter: time.Minute, QueueRefresh: time.Second, Identity: "open",
	}
	a, err := app.New(app.Ports{
		Stores: app.StoresOf(store), Loop: memory.NewAdmission(c.policy().Queue.Admission), Clock: core.SystemClock{},
		Lifecycle:     func(s *booking.Settler) booking.Lifecycle { return memory.NewLifecycle(core.SystemClock{}, s) },
		Cancellations: func(r *booking.Refunder) booking.Cancellations { return memory.NewCancellations(r) },
	}, c.policy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadDemo(context.Background(), a.Catalog.Admin, today, catalog.DefaultSeatsPerPerformance); err != nil {
		t.Fatal(err)
	}
	// An admitted fan's token, signed with the key the server will use.
	tok, err := store.IssueToken(context.Background(), demoSale, "drain", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Admit(context.Background(), demoSale, queue.Round{Batch: 1, MaxActive: 1, Session: time.Hour, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	signer, _ := signing.NewTokenSigner([]byte(seed))
	bearer, _ := signer.Sign(tok, tok.Seq, time.Now())
	// A waiting fan's event stream stays open until the server stops it.
	waiting, err := store.IssueToken(context.Background(), demoSale, "streamer", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	streamBearer, _ := signer.Sign(waiting, waiting.Seq, time.Now())
	ctx, stop := context.WithCancel(context.Background())
	up := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		done <- runApp(ctx, c, logger, a, nil, observability{}, roleAPI, nil, func(addr string) { up <- addr })
	}()
	var base string
	select {
	case addr := <-up:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("API role did not start: %v", err)
	}

	streamReq, _ := http.NewRequest("GET", base+"/api/token/events", nil)
	streamReq.Header.Set("Authorization", "Bearer "+streamBearer)
	stream, err := http.DefaultClient.Do(streamReq)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("open an event stream: %v", err)
	}
	streamEnded := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, stream.Body)
		streamEnded <- err
	}()

	var whole, cut, refused atomic.Int64
	var wg sync.WaitGroup
	url := base + "/api/tickets/seats?date=" + today.AddDays(30).String()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+bearer)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					refused.Add(1) // no answer at all; whether the server had begun it is counted below
					return
				}
				var seats []httpapi.SeatBody
				err = json.NewDecoder(res.Body).Decode(&seats)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || len(seats) != catalog.DefaultSeatsPerPerformance {
					cut.Add(1)
					t.Errorf("a response was cut or wrong: status %d, %d seats, %v", res.StatusCode, len(seats), err)
					return
				}
				whole.Add(1)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("API role ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("API role still running 20s after shutdown began")
	}
	wg.Wait()
	select {
	case err := <-streamEnded:
		if err != nil {
			t.Errorf("the event stream was cut instead of ended: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the event stream was still open after the server stopped")
	}
	begun := store.entered.Load()
	if whole.Load() == 0 || cut.Load() != 0 || whole.Load() != begun {
		t.Fatalf("the server began %d requests; %d reached their client whole, %d cut, %d got no answer",
			begun, whole.Load(), cut.Load(), refused.Load())
	}
	t.Logf("the server began %d requests and answered each whole; %d more were refused as it stopped", begun, refused.Load())
}

// slowSeats takes 100 ms to list seats, so that requests are in flight when shutdown begins,
// and counts the requests the server began handling.
type slowSeats struct {
	*memory.Store
	entered *atomic.Int64
}

func (s slowSeats) Seats(ctx context.Context, sale core.SaleID, d core.Date, now time.Time) ([]catalog.Seat, error) {
	s.entered.Add(1)
	time.Sleep(100 * time.Millisecond)
	return s.Store.Seats(ctx, sale, d, now)
}
