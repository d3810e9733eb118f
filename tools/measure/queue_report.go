package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

// QueueReport is what one queue benchmark measured.
type QueueReport struct {
	CPUs     int     `json:"cpus"`
	Duration string  `json:"phase_duration"`
	Phases   []Phase `json:"phases"`
	Errors   int     `json:"errors"`
	// The API process's resident memory just after start-up, and with Waiting fans waiting
	// (each polled at least once).
	BaselineRSSMB float64 `json:"baseline_rss_mb"`
	Waiting       int64   `json:"waiting"`
	RSSMB         float64 `json:"rss_mb"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	// Door is token issue with the proof of work off and on; absent with -target.
	Door *DoorReport `json:"door,omitempty"`
}

// Targets of the issue, on a 2-core machine.
const (
	issueTarget    = 0.35 // of the ceiling, with p99 under issueP99Target, at 256 connections
	issueP99Target = 25.0 // ms
	pollTarget     = 0.60
)

func (r QueueReport) print(w io.Writer) {
	fmt.Fprintf(w, "\nwaiting room on loopback, %d CPUs, %s per phase, one API instance on PostgreSQL\n\n", r.CPUs, r.Duration)
	fmt.Fprintf(w, "%-16s %6s %10s %9s %9s %11s %7s\n", "endpoint", "conns", "req/s", "p50 ms", "p99 ms", "of ceiling", "errors")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "%-16s %6d %10.0f %9.2f %9.2f %10.0f%% %7d%s\n", p.Endpoint, p.Conns, p.RPS, p.P50ms, p.P99ms, 100*p.OfCeiling, p.Errors, phaseVerdict(p))
	}
	for _, p := range r.Phases {
		if p.FirstError != "" {
			fmt.Fprintf(w, "%s at %d connections: %d failed, the first with: %s\n", p.Endpoint, p.Conns, p.Errors, p.FirstError)
		}
	}
	if r.Door != nil {
		r.Door.print(w)
	}
	fmt.Fprintf(w, "\nAPI resident memory: %.0f MB after start-up; %.0f MB (peak %.0f MB) with %d fans waiting, each polled\n",
		r.BaselineRSSMB, r.RSSMB, r.PeakRSSMB, r.Waiting)
}

// phaseVerdict compares a phase with its target, where the issue sets one.
func phaseVerdict(p Phase) string {
	switch {
	case p.Endpoint == "POST /api/token" && p.Conns == 256:
		return fmt.Sprintf("   target ≥%.0f%% and p99 <%.0f ms: %s", 100*issueTarget, issueP99Target, met(p.OfCeiling >= issueTarget && p.P99ms < issueP99Target))
	case p.Endpoint == "GET /api/token":
		return fmt.Sprintf("   target ≥%.0f%%: %s", 100*pollTarget, met(p.OfCeiling >= pollTarget))
	}
	return ""
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// waiting asks the admin API how many fans wait.
func (l *load) waiting(ctx context.Context) (int64, error) {
	res, err := l.api.QueueReportWithResponse(ctx, apiclient.AdminKey(l.adminKey))
	if err != nil {
		return 0, err
	}
	if res.JSON200 == nil {
		return 0, fmt.Errorf("GET /api/admin/queue: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200.Waiting, nil
}

// residentMB and peakResidentMB read VmRSS and VmHWM of a process.
func residentMB(pid int) (float64, error)     { return procStatusMB(pid, "VmRSS:") }
func peakResidentMB(pid int) (float64, error) { return procStatusMB(pid, "VmHWM:") }

func procStatusMB(pid int, field string) (float64, error) {
	if pid == 0 {
		return 0, nil // a running target whose process id was not given
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the API's memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

func cpus() int { return runtime.NumCPU() }
