package main

// The mass-expiry phase of the booking benchmark: on a system of its own with short holds,
// -expiring fans each hold a seat as fast as the API takes them, so the deadlines fall within a
// few seconds of each other, and none pays. At each odd seat's deadline another fan tries to
// hold it every 10 ms until it wins: how late after the deadline the seat was holdable again,
// through the API. The even seats are left alone, and the database is read every 20 ms for
// their reservations turning released: how late after the deadline each hold's release
// committed, by the hold's workflow (or the sweep, a minute later, had the workflow not).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// ExpiryReport is how late, after their deadlines, expired holds' seats came back.
type ExpiryReport struct {
	Holds int `json:"holds"`
	// DeadlineSpread is the time between the first deadline and the last.
	DeadlineSpread string `json:"deadline_spread"`
	// Taken is, for the odd seats, from the deadline to the moment the API took the seat for
	// another fan (the new hold's own deadline less the hold time); Holdable, to that hold's
	// answer 200, which waits for its workflow to start. Released is, for the even seats, from
	// the deadline to the release's commit being seen (the database is read every 20 ms), by
	// the hold's workflow (or the sweep, a minute later).
	Taken    lateness `json:"taken_again"`
	Holdable lateness `json:"holdable_again"`
	Released lateness `json:"released"`
}

// lateness summarises delays after deadlines.
type lateness struct {
	Count      int     `json:"count"`
	P50Millis  float64 `json:"p50_ms"`
	P99Millis  float64 `json:"p99_ms"`
	MaxMillis  float64 `json:"max_ms"`
	OverSecond int     `json:"over_1s"`
	Missing    int     `json:"missing"` // never came within the phase
}

func latenessOf(d []time.Duration, want int) lateness {
	l := lateness{Count: len(d), Missing: want - len(d)}
	if len(d) == 0 {
		return l
	}
	p := percentiles(d)
	l.P50Millis, l.P99Millis, l.MaxMillis = p.P50, p.P99, ms(slices.Max(d))
	for _, x := range d {
		if x > time.Second {
			l.OverSecond++
		}
	}
	return l
}

// expiryHoldTTL is the phase's hold: long enough for the holds to be made before the first
// deadline.
const expiryHoldTTL = 20 * time.Second

// measureExpiry spawns its own system with short holds and measures n holds expiring.
func measureExpiry(ctx context.Context, o sandbox.Options, n int) (ExpiryReport, error) {
	o.HoldTTL, o.Seats, o.MaxActive = expiryHoldTTL, (n+2)/3, 2*n
	sys, err := sandbox.Spawn(ctx, o)
	if err != nil {
		return ExpiryReport{}, err
	}
	defer sys.Stop()
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return ExpiryReport{}, err
	}
	takers := n / 2
	tokens := make([]string, n+takers)
	if _, err := inParallel(ctx, len(tokens), func(i int) error {
		var err error
		tokens[i], err = awaitAdmission(ctx, api, apiclient.Fan(fmt.Sprintf("expiry-%d", i)))
		return err
	}); err != nil {
		return ExpiryReport{}, err
	}
	dates, err := openDates(ctx, api, tokens[0])
	if err != nil || len(dates) < 3 {
		return ExpiryReport{}, fmt.Errorf("the sale's dates: %v %v", dates, err)
	}
	holds := make([]apiclient.HoldBody, n)
	if _, err := inParallel(ctx, n, func(i int) error {
		day, _ := time.Parse(time.DateOnly, dates[i%3])
		held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: openapitypes.Date{Time: day}, SeatId: int64(i/3 + 1)}, apiclient.Bearer(tokens[i]))
		if err != nil || held.JSON200 == nil {
			return fmt.Errorf("hold: %w", failure(err, held))
		}
		holds[i] = *held.JSON200
		return nil
	}); err != nil {
		return ExpiryReport{}, err
	}
	first, last := holds[0].Expiration, holds[0].Expiration
	for _, h := range holds {
		first, last = minTime(first, h.Expiration), maxTime(last, h.Expiration)
	}
	if time.Until(first) < time.Second {
		return ExpiryReport{}, fmt.Errorf("making %d holds took nearly the whole %s hold: the first expired before the phase could watch it", n, expiryHoldTTL)
	}
	watchUntil := last.Add(30 * time.Second)
	var wg sync.WaitGroup
	var released []time.Duration
	var watchErr error
	wg.Go(func() { released, watchErr = watchReleases(ctx, sys.DBURL, holds, watchUntil) })
	holdable, taken := make([]time.Duration, 0, takers), make([]time.Duration, 0, takers)
	var mu sync.Mutex
	for t := range takers {
		wg.Go(func() {
			i := 2*t + 1
			if answered, took, ok := takeWhenFree(ctx, api, tokens[n+t], holds[i], watchUntil); ok {
				mu.Lock()
				holdable, taken = append(holdable, answered), append(taken, took)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if watchErr != nil {
		return ExpiryReport{}, watchErr
	}
	return ExpiryReport{
		Holds: n, DeadlineSpread: last.Sub(first).Round(time.Millisecond).String(),
		Taken: latenessOf(taken, takers), Holdable: latenessOf(holdable, takers), Released: latenessOf(released, n-takers),
	}, nil
}

// takeWhenFree waits for the hold's deadline, then holds its seat for token every 10 ms until it
// wins: how long after the deadline the answer came, and the API took the seat.
func takeWhenFree(ctx context.Context, api *apiclient.ClientWithResponses, token string, h apiclient.HoldBody, until time.Time) (answered, took time.Duration, ok bool) {
	if !sleep(ctx, time.Until(h.Expiration)) {
		return 0, 0, false
	}
	for time.Now().Before(until) {
		held, err := api.HoldSeatWithResponse(ctx, apiclient.HoldSeatJSONRequestBody{Date: h.Date, SeatId: h.SeatId}, apiclient.Bearer(token))
		if err == nil && held.JSON200 != nil {
			return time.Since(h.Expiration), held.JSON200.Expiration.Add(-expiryHoldTTL).Sub(h.Expiration), true
		}
		if !sleep(ctx, 10*time.Millisecond) {
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// watchReleases reads the even holds' reservations every 20 ms until each is released or until
// passes: how late after its deadline each release was first seen.
func watchReleases(ctx context.Context, dbURL string, holds []apiclient.HoldBody, until time.Time) ([]time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	pending := map[string]time.Time{}
	for i := 0; i < len(holds); i += 2 {
		pending[holds[i].TicketId.String()] = holds[i].Expiration
	}
	ids := make([]string, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	var late []time.Duration
	for len(pending) > 0 && time.Now().Before(until) {
		rows, err := conn.Query(ctx, `SELECT id::text FROM reservations WHERE status = 'released' AND id = ANY($1::uuid[])`, ids)
		if err != nil {
			return nil, err
		}
		seen := time.Now()
		released, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		for _, id := range released {
			if deadline, ok := pending[id]; ok {
				late = append(late, seen.Sub(deadline))
				delete(pending, id)
			}
		}
		if !sleep(ctx, 20*time.Millisecond) {
			return nil, errors.Join(ctx.Err(), errors.New("the release watch was cut short"))
		}
	}
	return late, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
