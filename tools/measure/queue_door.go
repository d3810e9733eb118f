package main

// The door's share of token issue: in the queue benchmark's run, with wrk, POST /api/token into a
// sale that asks no proof of work against one that asks it, each phase five times and
// interleaved, the second sale's joins each carrying a solution of its own (solved before the
// phases, at a low difficulty: checking a solution costs the server the same whatever the
// difficulty). The joins with it off carry a solution too, which a sale that asks none ignores,
// so both phases cost wrk, which shares the machine, the same: the ratio of the rates is the
// proof of work's cost to the server on the rush's path. A first phase with bare joins shows what
// the bigger body costs.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// DoorReport is token issue with the proof of work off and on, in one run.
type DoorReport struct {
	Conns      int       `json:"conns"`
	Difficulty int64     `json:"difficulty"`
	Bare       float64   `json:"bare_per_second"` // off, joins without a solution
	Off        []float64 `json:"off_per_second"`
	On         []float64 `json:"on_per_second"`
	OffP99     float64   `json:"off_p99_ms"`
	OnP99      float64   `json:"on_p99_ms"`
	Challenges float64   `json:"challenges_per_second"` // GET /api/token/challenge
	Ratio      float64   `json:"on_over_off"`
	Failed     int64     `json:"failed"`
}

// doorTarget is the issue's bound: token issue with the challenge on within 10 % of it off.
const doorTarget = 0.90

const (
	doorPhase      = 20 * time.Second // 12 phases of it and the solving stay inside entry.ChallengeTTL
	doorRounds     = 5
	doorDifficulty = 1000
	doorOff        = "door-off"
	doorOn         = "door-on"
)

// benchDoor puts the two sales on, measures GET /api/token/challenge and bare joins, solves every
// round's solutions, then runs doorRounds rounds of off then on. Its phases last at most
// doorPhase, so the last round's solutions are sent well within their challenges' expiry.
func benchDoor(ctx context.Context, sys *sandbox.System, lg *load, conns int, d time.Duration) (DoorReport, error) {
	d = min(d, doorPhase)
	r := DoorReport{Conns: conns, Difficulty: doorDifficulty}
	for _, id := range []string{doorOff, doorOn} {
		if err := sys.PutSaleOn(ctx, id, 100); err != nil {
			return r, err
		}
	}
	pow := int64(doorDifficulty)
	res, err := lg.api.ChangeSaleWithResponse(ctx, doorOn, apiclient.ChangeSaleJSONRequestBody{Entry: &apiclient.EntryBody{PowMaxNumber: &pow}},
		apiclient.AdminKey(lg.adminKey))
	if err != nil {
		return r, fmt.Errorf("turn the proof of work on: %w", err)
	}
	if res.JSON200 == nil {
		return r, fmt.Errorf("turn the proof of work on: %d %s", res.StatusCode(), res.Body)
	}
	base := sys.Targets[0]
	challenge, err := runWrk(ctx, wrkLoad{url: base + "/api/token/challenge?sale_id=" + doorOn, conns: conns, duration: d})
	if err != nil {
		return r, err
	}
	r.Challenges, r.Failed = challenge.PerSecond, challenge.Failed
	bare, err := runWrk(ctx, wrkLoad{url: base + "/api/token", conns: conns, duration: d, script: issueScript("bare", []string{doorOff})})
	if err != nil {
		return r, err
	}
	r.Bare = bare.PerSecond
	// Enough solutions for half again the rate of bare joins, for each phase that sends them,
	// all solved before the first phase: solving loads the machine, so it would weigh on the
	// phase after it.
	paths := make([]string, doorRounds+1)
	for i := range paths {
		if paths[i], err = solutions(ctx, lg, int(bare.PerSecond*d.Seconds()*1.5)+2000); err != nil {
			return r, err
		}
		defer os.Remove(paths[i])
	}
	for round := range doorRounds {
		// The joins with it off carry solutions too (of the spare file: the sale ignores them).
		off, err := runWrk(ctx, wrkLoad{url: base + "/api/token", conns: conns, duration: d, script: solvedIssueScript(fmt.Sprintf("off-%d", round), doorOff, paths[doorRounds])})
		if err != nil {
			return r, err
		}
		on, err := runWrk(ctx, wrkLoad{url: base + "/api/token", conns: conns, duration: d, script: solvedIssueScript(fmt.Sprintf("on-%d", round), doorOn, paths[round])})
		if err != nil {
			return r, err
		}
		r.Off, r.On = append(r.Off, off.PerSecond), append(r.On, on.PerSecond)
		r.OffP99, r.OnP99 = max(r.OffP99, off.P99Millis), max(r.OnP99, on.P99Millis)
		r.Failed += off.Failed + on.Failed
	}
	r.Ratio = mean(r.On) / mean(r.Off)
	return r, nil
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// solutions fetches n challenges of the door-on sale, solves them on every core and writes their
// payloads to a file, one a line.
func solutions(ctx context.Context, lg *load, n int) (string, error) {
	out := make([]string, n)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	workers := 2 * cpus()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n && ctx.Err() == nil; i += workers {
				raw, err := lg.do(ctx, "GET", "/api/token/challenge?sale_id="+doorOn, "", "")
				if err == nil {
					out[i], err = solve(raw)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return "", fmt.Errorf("solve challenges: %w", err)
	default:
	}
	f, err := os.CreateTemp("", "measure-solutions-*.txt")
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = io.WriteString(f, strings.Join(out, "\n")+"\n")
	return f.Name(), err
}

// solve solves a challenge as GET /api/token/challenge gave it, as the payload ALTCHA's widget
// would send.
func solve(raw []byte) (string, error) {
	var c apiclient.ChallengeBody
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", err
	}
	challenge := entry.Challenge{Algorithm: string(c.Algorithm), Challenge: c.Challenge, Salt: c.Salt, Signature: c.Signature, MaxNumber: c.Maxnumber}
	n, ok := entry.Solve(challenge)
	if !ok {
		return "", fmt.Errorf("no number up to %d solves %s", c.Maxnumber, c.Challenge)
	}
	return entry.Solved(challenge, n), nil
}

// solvedIssueScript is the Lua of POST /api/token into sale with a new fan and a solution of its
// own every request: wrk's two threads take every other line of the file.
func solvedIssueScript(prefix, sale, path string) string {
	return fmt.Sprintf(`local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local solutions = {}
function init(args)
  local i = 0
  for line in io.lines(%q) do
    if i %% 2 == tid - 1 then solutions[#solutions + 1] = line end
    i = i + 1
  end
end
local n = 0
function request()
  n = n + 1
  local body = '{"user_id":"%s-' .. tid .. '-' .. n .. '","sale_id":"%s","altcha":"' .. solutions[math.min(n, #solutions)] .. '"}'
  return wrk.format("POST", "/api/token", {["Content-Type"] = "application/json"}, body)
end
`, path, prefix, sale)
}

func (r DoorReport) print(w io.Writer) {
	fmt.Fprintf(w, "\ntoken issue with the proof of work off and on (wrk, %d connections, difficulty %d, phases interleaved)\n", r.Conns, r.Difficulty)
	fmt.Fprintf(w, "  off, bare joins:      %.0f req/s\n", r.Bare)
	fmt.Fprintf(w, "  off, joins as if on: %s req/s (p99 ≤ %.1f ms)\n  on:                   %s req/s (p99 ≤ %.1f ms)\n", rates(r.Off), r.OffP99, rates(r.On), r.OnP99)
	rounds := make([]string, len(r.On))
	for i := range r.On {
		rounds[i] = fmt.Sprintf("%.0f%%", 100*r.On[i]/r.Off[i])
	}
	fmt.Fprintf(w, "  on/off: %.0f%% (round by round %s)   target ≥%.0f%%: %s\n", 100*r.Ratio, strings.Join(rounds, ", "), 100*doorTarget, met(r.Ratio >= doorTarget))
	fmt.Fprintf(w, "  GET /api/token/challenge: %.0f req/s\n", r.Challenges)
}

func rates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(parts, ", ")
}
