package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/internal/apptest"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

func withStreamPace(interval, heartbeat time.Duration) stackOption {
	return func(s *stack) { s.deps.StreamInterval, s.deps.StreamHeartbeat = interval, heartbeat }
}

func withAdminKey(key string) stackOption {
	return func(s *stack) { s.deps.AdminKey = key }
}

func TestPollEchoesTheTokenPresented(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", false)
	var body httpapi.TokenBody
	h.expect(t, "GET", "/api/token", tok, nil, 200).json(t, &body)
	if body.Token != tok {
		t.Fatal("a poll re-signed a token whose claims still hold: it must echo the one presented")
	}
}

func TestAdminAPIRequiresTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, configured, sent, detail string
	}{
		{"no key sent", adminKey, "", "missing admin key"},
		{"wrong key", adminKey, "guess", "wrong admin key"},
		{"admin API off", "", "anything", "the admin API is off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withAdminKey(tc.configured))
			fan := h.token(t, "fan", false)
			for _, req := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/api/admin/queue", nil},
				{"PATCH", "/api/admin/queue", map[string]any{"admit_rate": 1}},
				{"PUT", "/api/admin/queue/opening", map[string]any{"opens_at": time.Now().Add(time.Hour)}},
			} {
				header := map[string]string{}
				if tc.sent != "" {
					header["X-Admin-Key"] = tc.sent
				}
				p := h.expectWithHeader(t, req.method, req.path, "", header, req.body, 401).problem(t)
				if !strings.Contains(p["detail"].(string), tc.detail) {
					t.Fatalf("%s %s: detail %q, want it to say %q", req.method, req.path, p["detail"], tc.detail)
				}
				// A fan's queue token is no admin key either.
				h.expect(t, req.method, req.path, fan, req.body, 401)
			}
			if r, _ := h.app.Queue.Control.Report(ctx, testSale); r.Settings.AdmitRate != 50 || !r.Stats.OpensAt.IsZero() {
				t.Fatalf("refused admin requests changed the queue: %+v", r)
			}
		})
	}
}

func TestAdminReadsAndChangesAdmission(t *testing.T) {
	h := newHarness(t)
	key := map[string]string{"X-Admin-Key": adminKey}
	h.token(t, "first", false)
	h.token(t, "second", false)
	if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(1, 100)); err != nil {
		t.Fatal(err)
	}
	var report httpapi.QueueReportBody
	h.expectWithHeader(t, "GET", "/api/admin/queue", "", key, nil, 200).json(t, &report)
	if report.Waiting != 1 || report.Active != 1 || report.AdmittedTotal != 1 || report.LastSeq != 2 ||
		report.AdmittedThrough != 1 || report.AdmitRate != 50 || report.MaxActive != 1000 || report.OldestWait == "" {
		t.Fatalf("report %+v", report)
	}
	h.expectWithHeader(t, "PATCH", "/api/admin/queue", "", key, map[string]any{"max_active": 5}, 200).json(t, &report)
	if report.AdmitRate != 50 || report.MaxActive != 5 {
		t.Fatalf("after changing the ceiling: rate %d ceiling %d, want 50 and 5", report.AdmitRate, report.MaxActive)
	}
	for _, bad := range []any{
		map[string]any{"admit_rate": 0},
		map[string]any{"max_active": -1},
		map[string]any{"admit_rate": "fast"},
		map[string]any{"tick": "1s"},
		"{",
	} {
		h.expectWithHeader(t, "PATCH", "/api/admin/queue", "", key, bad, 400).problem(t)
	}
	if r, _ := h.app.Queue.Control.Report(ctx, testSale); r.Settings != (queue.Settings{AdmitRate: 50, MaxActive: 5, Tick: time.Second, SessionTTL: 10 * time.Minute, Revision: 1}) {
		t.Fatalf("bad changes were applied: %+v", r.Settings)
	}
	// The queue already admits first come, first served: no opening can be scheduled.
	p := h.expectWithHeader(t, "PUT", "/api/admin/queue/opening", "", key, map[string]any{"opens_at": time.Now().Add(time.Hour)}, 409).problem(t)
	if !strings.Contains(p["detail"].(string), "already opened") {
		t.Fatalf("409 detail %q", p["detail"])
	}
}

func TestScheduledOpeningOverHTTP(t *testing.T) {
	h := newHarness(t)
	key := map[string]string{"X-Admin-Key": adminKey}
	h.expectWithHeader(t, "PUT", "/api/admin/queue/opening", "", key, map[string]any{"opens_at": time.Now().Add(-time.Minute)}, 400).problem(t)
	h.expectWithHeader(t, "PUT", "/api/admin/queue/opening", "", key, map[string]any{"opens_at": "tomorrow"}, 400).problem(t)
	opens := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var report httpapi.QueueReportBody
	h.expectWithHeader(t, "PUT", "/api/admin/queue/opening", "", key, map[string]any{"opens_at": opens, "draw_seed": 99}, 200).json(t, &report)
	if report.OpensAt == nil || !report.OpensAt.Equal(opens) || report.DrawSeed == nil || *report.DrawSeed != 99 || report.Drawn {
		t.Fatalf("report after scheduling: %+v", report)
	}
	var body httpapi.TokenBody
	h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": "early"}, 200).json(t, &body)
	if body.QueueInfo.OpensAt == nil || !body.QueueInfo.OpensAt.Equal(opens) || body.QueueInfo.Position != 0 {
		t.Fatalf("early token: %+v, want the opening time", body.QueueInfo)
	}
	p := h.expect(t, "GET", "/api/tickets/dates", body.Token, nil, 403).problem(t)
	if !strings.Contains(p["detail"].(string), "not open yet") || p["opens_at"] == nil {
		t.Fatalf("403 before the opening: %v", p)
	}
}

// openStream opens GET /api/token/events with token; ctx ends it.
func openStream(t *testing.T, ctx context.Context, base, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/token/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// requireStream fails the test unless res is an open event stream.
func requireStream(t *testing.T, res *http.Response) {
	t.Helper()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// events reads up to max events of a stream: each event's name and data.
func events(t *testing.T, base, token string, max int) []struct{ name, data string } {
	t.Helper()
	res := openStream(t, context.Background(), base, token)
	defer res.Body.Close()
	requireStream(t, res)
	var out []struct{ name, data string }
	apiclient.ReadEvents(res.Body, func(name, data string) bool {
		out = append(out, struct{ name, data string }{name, data})
		return len(out) < max
	})
	return out
}

// The test admits as the stream reports: one fan ahead, then (after a heartbeat) the fan
// ahead is admitted, then this one; the stream must report each step and close on active.
func TestEventStreamUntilActive(t *testing.T) {
	h := newHarness(t, withStreamPace(20*time.Millisecond, 100*time.Millisecond))
	h.token(t, "ahead", false)
	tok := h.token(t, "fan", false)
	res := openStream(t, context.Background(), h.srv.URL, tok)
	defer res.Body.Close()
	requireStream(t, res)
	admit := func() {
		if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(1, 100)); err != nil {
			t.Fatal(err)
		}
	}
	var steps []string
	heartbeats := 0
	apiclient.ReadEvents(res.Body, func(name, data string) bool {
		switch name {
		case "heartbeat":
			heartbeats++
			if len(steps) == 1 && heartbeats == 1 {
				admit() // nothing changed for a heartbeat's time: now the fan ahead goes in
			}
		case "status":
			var body httpapi.TokenBody
			if err := json.Unmarshal([]byte(data), &body); err != nil {
				t.Fatal(err)
			}
			step := body.Status
			if body.Status == "waiting" {
				step = fmt.Sprintf("waiting at %d", body.QueueInfo.Position)
			}
			steps = append(steps, step)
			if step == "waiting at 0" {
				admit()
			}
		default:
			t.Fatalf("unexpected event %q: %s", name, data)
		}
		return true
	})
	// The loop ends when the server closes the stream.
	if got := strings.Join(steps, ", "); got != "waiting at 1, waiting at 0, active" {
		t.Fatalf("status events: %s; want waiting at 1, waiting at 0, active", got)
	}
	if heartbeats == 0 {
		t.Fatal("no heartbeat while nothing changed")
	}
}

func TestEventStreamErrors(t *testing.T) {
	h := newHarness(t)
	h.expect(t, "GET", "/api/token/events", "", nil, 401).problem(t)
	h.expect(t, "GET", "/api/token/events", "not-a-token", nil, 401).problem(t)
	// A token that has expired ends the stream with an "ended" event.
	tok := h.token(t, "fan", false)
	if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(1, 100)); err != nil {
		t.Fatal(err)
	}
	st, _ := h.app.Queue.Entrance.Status(ctx, core.Caller{TokenID: mustCaller(t, tok).TokenID, UserID: "fan"})
	if st.Token.State != queue.Active {
		t.Fatalf("fan not admitted: %+v", st)
	}
	if _, err := h.store.Admit(ctx, testSale, queue.Round{Now: time.Now().Add(time.Hour)}); err != nil { // the session ends
		t.Fatal(err)
	}
	got := events(t, h.srv.URL, tok, 10)
	if len(got) != 1 || got[0].name != "ended" || !strings.Contains(got[0].data, "expired") {
		t.Fatalf("events for an expired token: %v", got)
	}
}

func mustCaller(t *testing.T, tok string) core.Caller {
	t.Helper()
	s, _ := signing.NewTokenSigner(seed)
	c, err := s.Verify(tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEventStreamsPerTokenAreBounded(t *testing.T) {
	h := newHarness(t)
	tok := h.token(t, "fan", false) // waits: its streams stay open
	openWith := func(tok string) (*http.Response, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		return openStream(t, ctx, h.srv.URL, tok), cancel
	}
	open := func() (*http.Response, context.CancelFunc) { return openWith(tok) }
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for range httpapi.StreamsPerToken {
		res, cancel := open()
		cancels = append(cancels, cancel)
		if res.StatusCode != 200 {
			t.Fatalf("stream within the bound answered %d", res.StatusCode)
		}
		defer res.Body.Close()
	}
	p := h.expect(t, "GET", "/api/token/events", tok, nil, 429)
	if p.header.Get("Retry-After") == "" || !strings.Contains(p.problem(t)["detail"].(string), "streams open") {
		t.Fatalf("429 without Retry-After or reason: %v %s", p.header, p.body)
	}
	// Another fan is not affected, and closing a stream frees its place.
	other := h.token(t, "other", false)
	res, cancel := openWith(other)
	cancels = append(cancels, cancel)
	if res.StatusCode != 200 {
		t.Fatalf("another token's stream answered %d", res.StatusCode)
	}
	res.Body.Close()
	cancels[0]()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, cancel := open()
		cancels = append(cancels, cancel)
		res.Body.Close()
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream's place was not freed: %d", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// downAdmission is an admission loop that does not answer, as when no worker runs.
type downAdmission struct{}

func (downAdmission) Start(context.Context, core.SaleID, queue.Settings) error {
	return errors.New("workflow not found")
}

func (downAdmission) Settings(context.Context, core.SaleID) (queue.Settings, error) {
	return queue.Settings{}, errors.New("workflow not found")
}

func (downAdmission) Change(context.Context, core.SaleID, queue.Change) (queue.Settings, error) {
	return queue.Settings{}, errors.New("workflow not found")
}

func (downAdmission) Wake(core.SaleID) {}

func TestAdminAPIWhenTheAdmissionLoopDoesNotAnswer(t *testing.T) {
	h := newHarness(t, func(s *stack) { s.loop = downAdmission{} })
	key := map[string]string{"X-Admin-Key": adminKey}
	// A read answers with the counters and the settings recorded last, marked unavailable.
	var report httpapi.QueueReportBody
	h.expectWithHeader(t, "GET", "/api/admin/queue", "", key, nil, 200).json(t, &report)
	if !report.AdmissionUnavailable || report.AdmitRate != app.DefaultPolicy.Queue.Admission.AdmitRate {
		t.Fatalf("the queue's report while its loop does not answer: %+v, want the recorded settings marked unavailable", report)
	}
	// A change cannot be made: 503, saying what to check, without internals.
	r := h.expectWithHeader(t, "PATCH", "/api/admin/queue", "", key, map[string]any{"admit_rate": 3}, 503)
	p := r.problem(t)
	if r.header.Get("Retry-After") == "" || !strings.Contains(p["detail"].(string), "is a worker running") || strings.Contains(p["detail"].(string), "workflow not found") {
		t.Fatalf("PATCH: %v %v; want 503 with Retry-After, saying what to check, without internals", r.header, p)
	}
}

// partlyDown is the memory admission loop, except that one sale's does not answer.
type partlyDown struct {
	queue.Loop
	down core.SaleID
}

func (l partlyDown) Settings(ctx context.Context, sale core.SaleID) (queue.Settings, error) {
	if sale == l.down {
		return queue.Settings{}, errors.New("workflow not found")
	}
	return l.Loop.Settings(ctx, sale)
}

// One sale whose admission workflow does not answer does not fail the operators' list: every
// sale is listed, from the database alone (no workflow is asked: a thousand sales make one
// page), that one marked unavailable once its fans wait and no round has run for a while; the
// sale's own page asks its workflow, and says so at once.
func TestTheSalesListDegradesSaleBySale(t *testing.T) {
	clock := apptest.NewClock(time.Now())
	h := newHarness(t, withClock(clock), func(s *stack) {
		s.loop = partlyDown{Loop: memory.NewAdmission(app.DefaultPolicy.Queue.Admission), down: testSale}
	})
	h.admin(t, "POST", "/api/admin/sales", autumn(), 201)
	h.token(t, "admitted-fan", true) // a round ran
	h.token(t, "waiting-fan", false)
	listed := func() map[string]bool {
		t.Helper()
		var sales []httpapi.SaleBody
		h.admin(t, "GET", "/api/admin/sales", nil, 200).json(t, &sales)
		unavailable := map[string]bool{}
		for _, sl := range sales {
			unavailable[sl.SaleID] = sl.Queue.AdmissionUnavailable
		}
		if len(sales) != 2 {
			t.Fatalf("the list shows %d sales, want 2", len(sales))
		}
		return unavailable
	}
	if u := listed(); u[string(testSale)] || u["autumn-nights"] {
		t.Fatalf("right after a round: %v, want neither marked", u)
	}
	clock.Advance(queue.StallAfter + time.Second) // a fan waits, and no round has run since
	if u := listed(); !u[string(testSale)] || u["autumn-nights"] {
		t.Fatalf("while %s's fans wait with no round: %v, want only %s marked", testSale, u, testSale)
	}
	var one httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales/"+string(testSale), nil, 200).json(t, &one)
	if !one.Queue.AdmissionUnavailable {
		t.Fatalf("the sale whose loop does not answer reads %+v", one.Queue)
	}
	var other httpapi.SaleBody
	h.admin(t, "GET", "/api/admin/sales/autumn-nights", nil, 200).json(t, &other)
	if other.Queue.AdmissionUnavailable {
		t.Fatalf("a sale whose loop answers reads %+v", other.Queue)
	}
}

// After an operator lowers the rate to 1 a second, no fan is told a wait shorter than their
// position in seconds, from the next answer on, though the measured rate is far higher.
func TestEstimatesFollowAnOperatorsChange(t *testing.T) {
	h := newHarness(t)
	key := map[string]string{"X-Admin-Key": adminKey}
	for i := range 20 {
		h.token(t, fmt.Sprintf("early-%d", i), false)
	}
	for range 2 { // measured: everyone admitted in no time
		if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(10, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	h.expectWithHeader(t, "PATCH", "/api/admin/queue", "", key, map[string]any{"admit_rate": 1}, 200)
	for i := range 60 {
		var body httpapi.TokenBody
		h.expect(t, "POST", "/api/token", "", map[string]any{"user_id": fmt.Sprintf("late-%d", i)}, 200).json(t, &body)
		wait := parseISODuration(t, body.QueueInfo.EstimatedWaitTime)
		if floor := time.Duration(body.QueueInfo.Position) * time.Second; wait < floor {
			t.Fatalf("fan at position %d told %s after the rate became 1 a second", body.QueueInfo.Position, body.QueueInfo.EstimatedWaitTime)
		}
	}
}

// With the ceiling full and nobody admitted for a while, the poll, a booking attempt and the
// operators' report all say admission has stalled, and the estimate is the documented PT24H.
func TestStalledAdmissionOverHTTP(t *testing.T) {
	clk := apptest.NewClock(time.Now().UTC().Truncate(time.Microsecond))
	h := newHarness(t, withClock(clk))
	h.token(t, "inside", false)
	tok := h.token(t, "waiting", false)
	for range 15 {
		if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(50, 1)); err != nil {
			t.Fatal(err)
		}
		h.expect(t, "GET", "/api/token", tok, nil, 200)
		clk.Advance(time.Second)
	}
	if _, err := h.app.Queue.Admitter.AdmitNext(ctx, testSale, admitting(50, 1)); err != nil { // refreshes the counters
		t.Fatal(err)
	}
	var body httpapi.TokenBody
	h.expect(t, "GET", "/api/token", tok, nil, 200).json(t, &body)
	if !body.QueueInfo.Stalled || body.QueueInfo.EstimatedWaitTime != "PT24H" || body.QueueInfo.Position != 0 {
		t.Fatalf("poll while stalled: %+v, want stalled with PT24H", body.QueueInfo)
	}
	p := h.expect(t, "GET", "/api/tickets/dates", tok, nil, 403).problem(t)
	if p["stalled"] != true || p["estimated_wait_time"] != "PT24H" {
		t.Fatalf("403 while stalled: %v", p)
	}
	var report httpapi.QueueReportBody
	h.expectWithHeader(t, "GET", "/api/admin/queue", "", map[string]string{"X-Admin-Key": adminKey}, nil, 200).json(t, &report)
	if !report.Stalled {
		t.Fatalf("report %+v, want stalled", report)
	}
}

// parseISODuration reads the PT…H…M…S durations the API writes.
func parseISODuration(t *testing.T, s string) time.Duration {
	t.Helper()
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok {
		t.Fatalf("%q is not an ISO 8601 duration", s)
	}
	var d time.Duration
	for _, unit := range []struct {
		suffix string
		size   time.Duration
	}{{"H", time.Hour}, {"M", time.Minute}, {"S", time.Second}} {
		if i := strings.Index(rest, unit.suffix); i >= 0 {
			n, err := strconv.Atoi(rest[:i])
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			d += time.Duration(n) * unit.size
			rest = rest[i+1:]
		}
	}
	if rest != "" {
		t.Fatalf("%q is not an ISO 8601 duration", s)
	}
	return d
}

// A fan leaves the queue: 204; the fans behind move up in their next answer, estimates with
// them; the token is expired for everything after, leaving again included; an admitted fan's
// leaving frees their place for the next.
func TestLeavingTheQueue(t *testing.T) {
	h := newHarness(t)
	toks := make([]string, 4)
	for i := range toks {
		toks[i] = h.token(t, fmt.Sprintf("leaver-%d", i), false)
	}
	position := func(tok string) int64 {
		t.Helper()
		var st httpapi.TokenBody
		h.expect(t, "GET", "/api/token", tok, nil, 200).json(t, &st)
		return st.QueueInfo.Position
	}
	if p := position(toks[3]); p != 3 {
		t.Fatalf("the last fan's position %d, want 3", p)
	}
	r := h.expect(t, "DELETE", "/api/token", toks[1], nil, 204)
	if len(r.body) != 0 {
		t.Fatalf("204 with a body: %s", r.body)
	}
	if p := position(toks[3]); p != 2 {
		t.Fatalf("after a fan ahead left, the last fan's position %d, want 2", p)
	}
	if p := position(toks[2]); p != 1 {
		t.Fatalf("the fan right behind the leaver: position %d, want 1", p)
	}
	p := h.expect(t, "GET", "/api/token", toks[1], nil, 401).problem(t)
	if !strings.Contains(p["detail"].(string), "expired") {
		t.Fatalf("the leaver's poll: %v", p)
	}
	h.expect(t, "DELETE", "/api/token", toks[1], nil, 401).problem(t)
	h.expect(t, "DELETE", "/api/token", "", nil, 401).problem(t)
	h.expect(t, "DELETE", "/api/token", "not-a-token", nil, 401).problem(t)

	h.admit(t, testSale)
	if st := h.stats(t); st.Active != 3 {
		t.Fatalf("%d active after admission, want the 3 who stayed", st.Active)
	}
	h.expect(t, "DELETE", "/api/token", toks[0], nil, 204)
	if st := h.stats(t); st.Active != 2 {
		t.Fatalf("%d active after an admitted fan left, want 2", st.Active)
	}
	h.expect(t, "GET", "/api/tickets/dates", toks[0], nil, 401).problem(t)
}
