package main

// The booking benchmark measures the booking path against the same server's /healthz, with wrk
// on loopback, at a rush's scale: it starts boxoffice on PostgreSQL (one API instance with its
// metrics on, a worker, a Temporal dev server) with the demo sale on 3 dates of -seats seats,
// admits -fans fans (up to 100,000), and in one run loads: a bare net/http /healthz in this
// process at 64 connections (what a handler costs with nothing around it); GET /healthz at 64
// (the ceiling); GET /api/token at 64, each request another admitted fan's poll (as waiting
// fans poll, so their tokens are known to the API before they book: run -phases storm alone
// for a storm of fans the API has never seen); GET /api/tickets/seats of a date at 64, each
// request another admitted fan's; /healthz at 256; a hold storm at 256, every request a hold
// of one of the date's seats by another admitted fan (all but the first -seats lose); a
// best-available storm at 256 on the second date, every request another fan's order of 2 seats
// together (the winners take the date in pairs, then each is refused: not enough seats); POST
// /api/token with a new fan each request at 256 into the queue of -fans; and /healthz at 256
// again. Each rate is given as a share of the mean ceiling at the same connections. The hold
// storm must end with exactly one winner a seat, the best-available one with 2 seats held an
// order won; any other answer than the expected ones fails the run.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
	"github.com/boxoffice/boxoffice/workflows"
)

type bookingOptions struct {
	duration time.Duration
	fans     int
	cycle    int
	payments int
	rate     int
	expiring int
	pollers  int
	phases   string
	json     bool
	sandbox  sandbox.Options
}

// BookingReport is what `measure booking` prints.
type BookingReport struct {
	Duration string         `json:"phase_duration"`
	Seats    int            `json:"seats_per_date"`
	Fans     int            `json:"admitted_fans"`
	Cycle    int            `json:"cycled_fans,omitempty"` // the listings and the storm use the first Cycle fans' tokens
	Phases   []BookingPhase `json:"phases"`
	Failed   int64          `json:"failed"`
	// Won and Lost count the storm's 200 and 409 answers; Held is the seats the listing shows
	// held afterwards.
	Won  int64 `json:"storm_won"`
	Lost int64 `json:"storm_lost"`
	Held int   `json:"storm_seats_held"`
	// Reused counts the storm's attempts made with a token used before: the phase outlasted
	// the fans (0: one distinct fan per attempt).
	Reused int64 `json:"storm_reused_tokens"`
	// Orders is the best-available storm's count, as the hold storm's: orders won (201) and
	// refused (409), and the seats its date shows held afterwards.
	Orders *OrderStormReport `json:"order_storm,omitempty"`

	Payments *PaymentsReport `json:"payments,omitempty"`
	OpenLoop *OpenLoopReport `json:"open_loop_issue,omitempty"`
	Expiry   *ExpiryReport   `json:"mass_expiry,omitempty"`
}

// OrderStormReport is what the best-available storm did: orders of 2 together won and refused,
// the seats held afterwards, and attempts with a token used before.
type OrderStormReport struct {
	Won    int64 `json:"won"`
	Lost   int64 `json:"lost"`
	Held   int   `json:"seats_held"`
	Reused int64 `json:"reused_tokens"`
	// Seats is the date's.
	Seats int `json:"seats"`
}

// BookingPhase is one wrk phase and its share of the ceiling at its connections.
type BookingPhase struct {
	Name      string    `json:"name"`
	Endpoint  string    `json:"endpoint"`
	Conns     int       `json:"conns"`
	Result    wrkResult `json:"result"`
	OfCeiling float64   `json:"of_ceiling"`
}

const (
	healthzEndpoint = "GET /healthz"
	bareEndpoint    = "GET /healthz (bare)"
)

// bookingPhases are the phases -phases may name; the ceilings always run.
var bookingPhases = []string{"poll", "listing", "storm", "orders", "issue", "payments", "rate", "expiry"}

// runs reports whether -phases names phase.
func (o bookingOptions) runs(phase string) bool {
	return slices.Contains(strings.Split(o.phases, ","), phase)
}

// runBookingBench is `measure booking`.
func runBookingBench(args []string) error {
	o := bookingOptions{sandbox: sandbox.Options{Instances: 1, HoldTTL: 5 * time.Minute, SessionTTL: time.Hour, AdmitRate: 1000, MaxActive: 1000, Seats: 50}}
	fs := flag.NewFlagSet("measure booking", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each phase runs (1s to 1m)")
	fs.IntVar(&o.fans, "fans", 1000, "admitted fans: the storm and the listings take each one's token once (10 to 100000)")
	fs.IntVar(&o.cycle, "cycle", 0, "the listings and the storm cycle through the tokens of the first this many fans (0: all of them, once each; a fan's first request verifies its token's signature, so comparing -fans at one -cycle measures the number of fans admitted alone)")
	fs.IntVar(&o.payments, "payments", 640, "payments (and raw updates) of the payments phase, 64 concurrent (64 to 1000: each payer is admitted at once)")
	fs.IntVar(&o.rate, "rate", 3000, "tokens issued a second in the open-loop phase (100 to 50000)")
	fs.IntVar(&o.expiring, "expiring", 1000, "holds that expire together in the expiry phase (10 to 1000)")
	fs.IntVar(&o.pollers, "pollers", workflows.DefaultPollers, "the boxoffice worker's pollers (BOXOFFICE_WORKER_POLLERS), and the raw baseline's")
	fs.StringVar(&o.phases, "phases", strings.Join(bookingPhases, ","), "the phases to run besides the ceilings, comma-separated: "+strings.Join(bookingPhases, ", "))
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o.sandbox, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.duration < time.Second || o.duration > time.Minute:
		return errors.New("-duration must be 1s to 1m")
	case o.fans < 10 || o.fans > 100_000:
		return errors.New("-fans must be 10 to 100000")
	case o.cycle < 0 || o.cycle > o.fans:
		return errors.New("-cycle must be 0 to -fans")
	case o.sandbox.Seats < 1 || o.sandbox.Seats > 10_000:
		return errors.New("-seats must be 1 to 10000")
	case o.payments < 64 || o.payments > 1000:
		return errors.New("-payments must be 64 to 1000")
	case o.rate < 100 || o.rate > 50_000:
		return errors.New("-rate must be 100 to 50000")
	case o.expiring < 10 || o.expiring > 1000:
		return errors.New("-expiring must be 10 to 1000")
	case o.pollers < 2 || o.pollers > 64:
		return errors.New("-pollers must be 2 to 64")
	}
	// Every fan is admitted at once and stays: the ceiling and the rate make room for them all.
	o.sandbox.MaxActive = max(o.sandbox.MaxActive, o.fans+o.payments+o.expiring+10_000)
	o.sandbox.AdmitRate = max(o.sandbox.AdmitRate, 20_000)
	o.sandbox.TemporalMetrics = true // the payments phase counts what each payment asks of its store
	o.sandbox.Env = append(o.sandbox.Env, "BOXOFFICE_WORKER_POLLERS="+strconv.Itoa(o.pollers),
		"BOXOFFICE_METRICS_ADDR=127.0.0.1:0") // as production runs: every request is measured
	for _, p := range strings.Split(o.phases, ",") {
		if !slices.Contains(bookingPhases, p) {
			return fmt.Errorf("-phases: no phase %q; the phases are %s", p, strings.Join(bookingPhases, ", "))
		}
	}
	report, err := benchBooking(o)
	if err != nil {
		return err
	}
	printReport(os.Stdout, o.json, report)
	stormed := o.runs("storm")
	switch {
	case report.Failed > 0:
		return fmt.Errorf("%d requests failed: figures from a failing server mean nothing", report.Failed)
	case stormed && (report.Won != int64(o.sandbox.Seats) || report.Held != o.sandbox.Seats):
		return fmt.Errorf("the storm had %d winners and left %d seats held, want %d of each", report.Won, report.Held, o.sandbox.Seats)
	case report.Orders != nil && (report.Orders.Held != 2*int(report.Orders.Won) || int(report.Orders.Won) > o.sandbox.Seats/2):
		return fmt.Errorf("the best-available storm won %d orders of 2 and left %d seats held on a date of %d", report.Orders.Won, report.Orders.Held, o.sandbox.Seats)
	case report.Payments != nil && report.Payments.Failed() > 0:
		return fmt.Errorf("%d payments failed", report.Payments.Failed())
	case report.OpenLoop != nil && report.OpenLoop.Failed > 0:
		return fmt.Errorf("%d of the open loop's token issues failed", report.OpenLoop.Failed)
	case report.Expiry != nil && (report.Expiry.Holdable.Missing > 0 || report.Expiry.Released.Missing > 0):
		return fmt.Errorf("of the expired holds, %d seats never became holdable again and %d holds were never released within 30 s of the last deadline",
			report.Expiry.Holdable.Missing, report.Expiry.Released.Missing)
	}
	return nil
}

func benchBooking(o bookingOptions) (BookingReport, error) {
	ctx, cancel := boundedRun(10 * time.Minute)
	defer cancel()
	sys, err := sandbox.Spawn(ctx, o.sandbox)
	if err != nil {
		return BookingReport{}, err
	}
	defer sys.Stop()
	base := sys.Targets[0]
	tokens, dates, err := admittedFans(ctx, sys, o.fans)
	if err != nil {
		return BookingReport{}, err
	}
	date := dates[0]
	r := BookingReport{Duration: o.duration.String(), Seats: o.sandbox.Seats, Fans: o.fans, Cycle: o.cycle}
	bare, stopBare, err := serveBareHealthz()
	if err != nil {
		return r, err
	}
	defer stopBare()
	healthz := wrkLoad{url: base + "/healthz"}
	cycled := tokens
	if o.cycle > 0 {
		cycled = tokens[:o.cycle]
	}
	poll := wrkLoad{url: base + "/api/token", script: pollScript(cycled)}
	listing := wrkLoad{url: base + "/api/tickets/seats?date=" + date, script: listingScript(cycled, date)}
	storm := wrkLoad{url: base + "/api/tickets", script: stormScript(cycled, date, o.sandbox.Seats)}
	orders := wrkLoad{url: base + "/api/orders", script: orderStormScript(cycled, dates[1])}
	issue := wrkLoad{url: base + "/api/token", script: issueScript("booking", []string{""})}
	phases := []struct {
		key, name, endpoint string
		conns               int
		l                   wrkLoad
	}{
		{"", "bare net/http handler", bareEndpoint, 64, wrkLoad{url: bare}},
		{"", "ceiling", healthzEndpoint, 64, healthz},
		{"poll", "token poll, admitted fans", "GET /api/token", 64, poll},
		{"listing", fmt.Sprintf("seat listing, %d seats", o.sandbox.Seats), "GET /api/tickets/seats", 64, listing},
		{"", "ceiling", healthzEndpoint, 256, healthz},
		{"storm", fmt.Sprintf("hold storm, %d seats, a fan each", o.sandbox.Seats), "POST /api/tickets", 256, storm},
		{"orders", fmt.Sprintf("best-available storm, 2 together, %d seats", o.sandbox.Seats), "POST /api/orders", 256, orders},
		{"issue", "token issue", "POST /api/token", 256, issue},
		{"", "ceiling", healthzEndpoint, 256, healthz},
	}
	for _, p := range phases {
		if p.key != "" && !o.runs(p.key) {
			continue
		}
		p.l.conns, p.l.duration = p.conns, o.duration
		res, out, err := runWrkOutput(ctx, p.l)
		if err != nil {
			return r, fmt.Errorf("%s: %w", p.name, err)
		}
		if p.l.script == storm.script || p.l.script == orders.script {
			won, lost, other, reused, err := stormCounts(out)
			if err != nil {
				return r, err
			}
			if p.l.script == storm.script {
				r.Won, r.Lost, r.Reused = won, lost, reused
			} else {
				r.Orders = &OrderStormReport{Won: won, Lost: lost, Reused: reused, Seats: o.sandbox.Seats}
			}
			res.Failed -= lost // a lost race is the expected answer; anything else is not
			if res.Failed < other {
				res.Failed = other
			}
		}
		r.Failed += res.Failed
		r.Phases = append(r.Phases, BookingPhase{Name: p.name, Endpoint: p.endpoint, Conns: p.conns, Result: res})
	}
	if r.Held, err = seatsHeld(ctx, base, tokens[0], date); err != nil {
		return r, err
	}
	if r.Orders != nil {
		if r.Orders.Held, err = seatsHeld(ctx, base, tokens[0], dates[1]); err != nil {
			return r, err
		}
	}
	r.shareOfCeiling()
	if o.runs("payments") {
		p, err := measurePayments(ctx, sys, o.payments, o.pollers)
		if err != nil {
			return r, err
		}
		r.Payments = &p
	}
	if o.runs("rate") {
		l := issueAtRate(ctx, base, o.rate, o.duration)
		r.OpenLoop = &l
	}
	sys.Stop() // the expiry phase runs on a system of its own
	if o.runs("expiry") {
		e, err := measureExpiry(ctx, o.sandbox, o.expiring)
		if err != nil {
			return r, fmt.Errorf("mass expiry: %w", err)
		}
		r.Expiry = &e
	}
	return r, nil
}

// admittedFans takes n tokens of the demo sale, 32 at a time, and waits until the queue has
// admitted them all (nobody waits); it returns them and the sale's dates (three).
func admittedFans(ctx context.Context, sys *sandbox.System, n int) ([]string, []string, error) {
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return nil, nil, err
	}
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < n; i += 32 {
				res, err := api.IssueTokenWithResponse(ctx, apiclient.Fan(fmt.Sprintf("storm-%d", i)))
				if err != nil || res.JSON200 == nil {
					errs[i] = fmt.Errorf("take a token for fan %d: %w", i, failure(err, res))
					continue
				}
				tokens[i] = res.JSON200.Token
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	if err := awaitEveryoneAdmitted(ctx, api, sys.AdminKey); err != nil {
		return nil, nil, err
	}
	dates, err := api.ListDatesWithResponse(ctx, apiclient.Bearer(tokens[0]))
	if err != nil || dates.JSON200 == nil || len(*dates.JSON200) < 2 {
		return nil, nil, fmt.Errorf("list dates: %v %s", err, dates.Body)
	}
	return tokens, *dates.JSON200, nil
}

// awaitEveryoneAdmitted polls the default sale's queue until nobody waits.
func awaitEveryoneAdmitted(ctx context.Context, api *apiclient.ClientWithResponses, adminKey string) error {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		q, err := api.QueueReportWithResponse(ctx, apiclient.AdminKey(adminKey))
		if err == nil && q.JSON200 != nil && q.JSON200.Waiting == 0 {
			return nil
		}
	}
	return errors.New("the fans were not all admitted within 2 minutes")
}

// awaitAdmission takes a token with body and polls until it is admitted.
func awaitAdmission(ctx context.Context, api *apiclient.ClientWithResponses, body apiclient.IssueTokenJSONRequestBody) (string, error) {
	issued, err := api.IssueTokenWithResponse(ctx, body)
	if err != nil || issued.JSON200 == nil {
		return "", fmt.Errorf("take a token for %s: %w", *body.UserId, failure(err, issued))
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st, err := api.PollTokenWithResponse(ctx, apiclient.Bearer(issued.JSON200.Token))
		if err == nil && st.JSON200 != nil && st.JSON200.Status == apiclient.Active {
			return issued.JSON200.Token, nil
		}
	}
	return "", fmt.Errorf("%s was not admitted within 30 s", *body.UserId)
}

// seatsHeld counts the date's seats the listing shows taken (the seed's "reserved").
func seatsHeld(ctx context.Context, base, token, date string) (int, error) {
	api, err := apiclient.NewClientWithResponses(base)
	if err != nil {
		return 0, err
	}
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, err
	}
	seats, err := api.ListSeatsWithResponse(ctx, &apiclient.ListSeatsParams{Date: &openapitypes.Date{Time: d}}, apiclient.Bearer(token))
	if err != nil || seats.JSON200 == nil {
		return 0, fmt.Errorf("list seats: %v %s", err, seats.Body)
	}
	n := 0
	for _, s := range *seats.JSON200 {
		if s.Status == apiclient.SeatBodyStatusReserved {
			n++
		}
	}
	return n, nil
}

// fanTokens is the Lua that hands each request the next fan's token, each thread its share of
// them, once each until they are all used (then round again, which `reused` counts).
func fanTokens(tokens []string) string {
	quoted := make([]string, len(tokens))
	for i, t := range tokens {
		quoted[i] = strconv.Quote(t)
	}
	return fmt.Sprintf(`local tokens = {%s}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
won, lost, other, reused = 0, 0, 0, 0
local n = 0
local function nextToken()
  n = n + 1
  local i = (n - 1) * 2 + tid -- wrk's two threads take every other token
  if i > #tokens then reused = reused + 1 end
  return tokens[((i - 1) %% #tokens) + 1], n
end
`, strings.Join(quoted, ", "))
}

// stormScript is the Lua of the hold storm: each request another fan's hold of seat n mod seats
// of date, and each thread counts its 200, 409 and other answers, which done prints.
func stormScript(tokens []string, date string, seats int) string {
	return fanTokens(tokens) + fmt.Sprintf(`function request()
  local tok, k = nextToken()
  local body = '{"date":"%s","seat_id":' .. ((k + tid) %% %d + 1) .. '}'
  return wrk.format("POST", "/api/tickets", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tok}, body)
end
function response(status, headers, body)
  if status == 200 then won = won + 1 elseif status == 409 then lost = lost + 1 else other = other + 1 end
end
`, date, seats) + stormDone
}

// stormDone is the Lua that prints a storm's counts, which stormCounts reads.
const stormDone = `function done(summary, latency, requests)
  local w, l, o, r = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    w = w + t:get("won"); l = l + t:get("lost"); o = o + t:get("other"); r = r + t:get("reused")
  end
  io.write(string.format("storm won=%d lost=%d other=%d reused=%d\n", w, l, o, r))
end
`

// pollScript is the Lua of the poll: each request another admitted fan's look at their token,
// as a fan's page does while they wait (so the fan's token is known to the API afterwards).
func pollScript(tokens []string) string {
	return fanTokens(tokens) + `function request()
  local tok = nextToken()
  return wrk.format("GET", "/api/token", {["Authorization"] = "Bearer " .. tok})
end
`
}

// listingScript is the Lua of the seat listing: each request another admitted fan's.
func listingScript(tokens []string, date string) string {
	return fanTokens(tokens) + fmt.Sprintf(`function request()
  local tok = nextToken()
  return wrk.format("GET", "/api/tickets/seats?date=%s", {["Authorization"] = "Bearer " .. tok})
end
`, date)
}

// orderStormScript is the Lua of the best-available storm: each request another fan's order of
// 2 seats together on date, counted as the hold storm's (201 won, 409 lost).
func orderStormScript(tokens []string, date string) string {
	return fanTokens(tokens) + fmt.Sprintf(`function request()
  local tok = nextToken()
  return wrk.format("POST", "/api/orders", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tok}, '{"date":"%s","quantity":2,"together":true}')
end
function response(status, headers, body)
  if status == 201 then won = won + 1 elseif status == 409 then lost = lost + 1 else other = other + 1 end
end
`, date) + stormDone
}

var stormLine = regexp.MustCompile(`storm won=(\d+) lost=(\d+) other=(\d+) reused=(\d+)`)

// stormCounts reads the line the storm's done prints.
func stormCounts(out string) (won, lost, other, reused int64, err error) {
	m := stormLine.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, 0, 0, fmt.Errorf("no storm counts in wrk's report:\n%s", out)
	}
	won, _ = strconv.ParseInt(m[1], 10, 64)
	lost, _ = strconv.ParseInt(m[2], 10, 64)
	other, _ = strconv.ParseInt(m[3], 10, 64)
	reused, _ = strconv.ParseInt(m[4], 10, 64)
	return won, lost, other, reused, nil
}

// serveBareHealthz serves, on a loopback port of this process, the /healthz answer with
// nothing around the handler, from a server with the API's timeouts (which any server exposed
// to clients needs): what the API's fixed cost a request (request id, metrics, the edge's
// checks) is measured against. It returns its URL and what stops it.
func serveBareHealthz() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/healthz", func() { _ = srv.Close() }, nil
}

// healthzOfBare is the API's /healthz rate at 64 connections as a share of the bare handler's.
func (r BookingReport) healthzOfBare() float64 {
	var bare, api float64
	for _, p := range r.Phases {
		switch {
		case p.Endpoint == bareEndpoint:
			bare = p.Result.PerSecond
		case p.Endpoint == healthzEndpoint && p.Conns == 64:
			api = p.Result.PerSecond
		}
	}
	if bare == 0 {
		return 0
	}
	return api / bare
}

// shareOfCeiling gives each phase's rate as a share of the mean ceiling at its connections.
func (r *BookingReport) shareOfCeiling() {
	sum, n := map[int]float64{}, map[int]int{}
	for _, p := range r.Phases {
		if p.Endpoint == healthzEndpoint {
			sum[p.Conns] += p.Result.PerSecond
			n[p.Conns]++
		}
	}
	for i, p := range r.Phases {
		if c := n[p.Conns]; c > 0 && sum[p.Conns] > 0 {
			r.Phases[i].OfCeiling = p.Result.PerSecond / (sum[p.Conns] / float64(c))
		}
	}
}

func (r BookingReport) print(w io.Writer) {
	cycled := "each once"
	if r.Cycle > 0 {
		cycled = fmt.Sprintf("the listings and the storm cycling through %d of them", r.Cycle)
	}
	fmt.Fprintf(w, "booking: wrk, 2 threads, %s a phase, a date of %d seats, %d admitted fans, %s\n\n", r.Duration, r.Seats, r.Fans, cycled)
	fmt.Fprintf(w, "%-44s %-24s %5s %10s %8s %8s %8s %7s\n", "phase", "endpoint", "conns", "req/s", "p50 ms", "p99 ms", "ceiling", "failed")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "%-44s %-24s %5d %10.0f %8.2f %8.2f %7.1f%% %7d\n", p.Name, p.Endpoint, p.Conns, p.Result.PerSecond, p.Result.P50Millis, p.Result.P99Millis, 100*p.OfCeiling, p.Result.Failed)
	}
	if r.Won+r.Lost > 0 {
		fmt.Fprintf(w, "\nhold storm: %d won, %d lost; %d seats held afterwards; %d attempts reused a fan's token (0: a distinct fan each)\n",
			r.Won, r.Lost, r.Held, r.Reused)
	}
	for _, p := range r.Phases {
		if p.Endpoint == bareEndpoint {
			fmt.Fprintf(w, "GET /healthz at 64 connections: %.2f of a bare net/http handler's rate (target 0.90)\n", r.healthzOfBare())
		}
	}
	if s := r.Orders; s != nil {
		fmt.Fprintf(w, "best-available storm: %d orders of 2 together won, %d refused; %d of %d seats held afterwards; %d attempts reused a fan's token\n",
			s.Won, s.Lost, s.Held, s.Seats, s.Reused)
	}
	if p := r.Payments; p != nil {
		fmt.Fprintf(w, "\n%d concurrent callers              %6s %10s %8s %8s %7s %9s\n", p.Concurrency, "count", "per s", "p50 ms", "p99 ms", "failed", "of raw")
		for _, l := range []struct {
			name string
			c    closedLoop
			of   float64
		}{{"raw Temporal update", p.RawUpdates, 1}, {"POST /api/payment", p.Payments, p.OfRaw},
			{"order payment, 1 seat", p.OrdersOf1, p.OrdersOf1Of}, {"order payment, 4 seats", p.OrdersOf4, p.OrdersOf4Of}} {
			fmt.Fprintf(w, "%-34s %6d %10.1f %8.1f %8.1f %7d %9.2f\n", l.name, l.c.Count, l.c.PerSecond, l.c.P50Millis, l.c.P99Millis, l.c.Failed, l.of)
		}
		fmt.Fprintf(w, "payments: %.2f of the raw update rate (target 0.85); orders of 4 seats: %.1f seats a second\n", p.OfRaw, 4*p.OrdersOf4.PerSecond)
		fmt.Fprintf(w, "Temporal's persistence operations: %.1f a raw update, %.1f a payment; a payment's more: %s\n",
			p.PerRawUpdate.Total, p.PerPayment.Total, differences(p.PerPayment, p.PerRawUpdate))
		for _, l := range []struct {
			name string
			c    PersistencePerStep
		}{{"a raw update", p.PerRawUpdate}, {"a payment", p.PerPayment}, {"an order of 4's payment", p.PerOrderOf4}} {
			fmt.Fprintf(w, "CPU %s: %.1f ms of the machine's;", l.name, l.c.MachineCPU)
			for _, name := range slices.Sorted(maps.Keys(l.c.CPU)) {
				fmt.Fprintf(w, " %s %.1f", name, l.c.CPU[name])
			}
			fmt.Fprintln(w)
		}
	}
	if l := r.OpenLoop; l != nil {
		fmt.Fprintf(w, "\nopen loop, %s at %d/s for %s: %d sent at %.0f/s, p50 %.1f ms, p99 %.1f ms (target < 25 ms), max %.0f ms, %d failed\n",
			l.Endpoint, l.Rate, l.Duration, l.Requests, l.Achieved, l.P50Millis, l.P99Millis, l.MaxMillis, l.Failed)
		if l.Achieved < 0.95*float64(l.Rate) {
			fmt.Fprintf(w, "  the generator fell short of the rate: the figures are of a lower load than asked\n")
		}
	}
	if e := r.Expiry; e != nil {
		fmt.Fprintf(w, "\nmass expiry: %d holds, deadlines within %s\n", e.Holds, e.DeadlineSpread)
		fmt.Fprintf(w, "%-46s %6s %8s %8s %8s %7s %7s\n", "after the deadline", "count", "p50 ms", "p99 ms", "max ms", ">1 s", "missing")
		for _, l := range []struct {
			name string
			l    lateness
		}{{"seat taken again by the API", e.Taken}, {"seat holdable again, answer 200 (< 250)", e.Holdable}, {"hold released by its workflow (< 2000)", e.Released}} {
			fmt.Fprintf(w, "%-46s %6d %8.0f %8.0f %8.0f %7d %7d\n", l.name, l.l.Count, l.l.P50Millis, l.l.P99Millis, l.l.MaxMillis, l.l.OverSecond, l.l.Missing)
		}
	}
}
