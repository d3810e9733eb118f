package main

// wrk runs the HTTP load generator wrk (Debian package wrk) against one loopback URL and reads
// its report. wrk is written in C and keeps up with a server on the same two cores, where a Go
// load generator saturates first and flatters every ratio.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkLoad is one wrk phase.
type wrkLoad struct {
	url      string
	conns    int
	duration time.Duration
	headers  []string // "Name: value"
	script   string   // Lua, for requests wrk cannot describe with flags
}

// wrkResult is what wrk measured.
type wrkResult struct {
	PerSecond float64 `json:"per_second"`
	Requests  int64   `json:"requests"`
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
	// Failed counts answers other than 2xx and 3xx, and socket errors (timeouts included).
	Failed int64 `json:"failed"`
}

// runWrk runs the load: two threads (one a core), the connections given, for the duration.
func runWrk(ctx context.Context, l wrkLoad) (wrkResult, error) {
	r, _, err := runWrkOutput(ctx, l)
	return r, err
}

// runWrkOutput is runWrk that also returns wrk's whole report, for what a script prints.
func runWrkOutput(ctx context.Context, l wrkLoad) (wrkResult, string, error) {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return wrkResult{}, "", errors.New("wrk is not installed: apt-get install wrk")
	}
	args := []string{"-t2", "-c" + strconv.Itoa(l.conns), "-d" + l.duration.String(), "--latency", "--timeout", "5s"}
	for _, h := range l.headers {
		args = append(args, "-H", h)
	}
	if l.script != "" {
		f, err := os.CreateTemp("", "measure-*.lua")
		if err != nil {
			return wrkResult{}, "", err
		}
		defer os.Remove(f.Name())
		if _, err := f.WriteString(l.script); err != nil {
			return wrkResult{}, "", err
		}
		f.Close()
		args = append(args, "-s", f.Name())
	}
	args = append(args, l.url)
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, "", fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	r, err := parseWrk(string(out))
	return r, string(out), err
}

var (
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkTotal    = regexp.MustCompile(`(\d+) requests in`)
	wrkLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocketEr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk's --latency report.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := wrkRate.FindStringSubmatch(out)
	t := wrkTotal.FindStringSubmatch(out)
	if m == nil || t == nil {
		return r, fmt.Errorf("no rate in wrk's report:\n%s", out)
	}
	r.PerSecond, _ = strconv.ParseFloat(m[1], 64)
	r.Requests, _ = strconv.ParseInt(t[1], 10, 64)
	for _, l := range wrkLatency.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(l[2], 64)
		v *= map[string]float64{"us": 0.001, "ms": 1, "s": 1000}[l[3]]
		if l[1] == "50" {
			r.P50Millis = v
		} else {
			r.P99Millis = v
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Failed += n
	}
	if m := wrkSocketEr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.Failed += n
		}
	}
	return r, nil
}

// issueScript is the Lua of POST /api/token with a new fan every request, the sales taken in
// turn ("" joins the default sale); prefix keeps the fans of one phase apart from another's.
func issueScript(prefix string, sales []string) string {
	quoted := make([]string, len(sales))
	for i, s := range sales {
		quoted[i] = strconv.Quote(s)
	}
	return fmt.Sprintf(`local sales = {%s}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function request()
  n = n + 1
  local sale = sales[(n %% #sales) + 1]
  local body = '{"user_id":"%s-' .. tid .. '-' .. n .. '"'
  if sale ~= "" then body = body .. ',"sale_id":"' .. sale .. '"' end
  return wrk.format("POST", "/api/token", {["Content-Type"] = "application/json"}, body .. "}")
end
`, strings.Join(quoted, ", "), prefix)
}
