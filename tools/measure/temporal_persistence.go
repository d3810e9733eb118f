package main

// What a Temporal dev server asks of its store, read from its own metrics: the benchmarks count
// the persistence operations a step costs, by operation, to say where Temporal's time goes.

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// persistenceCounts is the dev server's persistence_requests, summed by operation.
type persistenceCounts map[string]float64

var persistenceLine = regexp.MustCompile(`^persistence_requests(?:_total)?\{[^}]*operation="([^"]+)"[^}]*\} ([0-9.e+]+)$`)

// readPersistence scrapes each of urls, Temporal's /metrics (the dev server's, or each service's of
// a cluster), and adds up their persistence requests by operation.
func readPersistence(ctx context.Context, urls []string) (persistenceCounts, error) {
	counts := persistenceCounts{}
	for _, url := range urls {
		if err := scrapeSamples(ctx, url, persistenceLine, func(operation string, v float64) { counts[operation] += v }); err != nil {
			return nil, err
		}
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("Temporal's metrics at %v count no persistence requests", urls)
	}
	return counts, nil
}

// scrapeSamples reads the Prometheus text at url and calls add with the first group and the
// value (the second group) of each line that line matches.
func scrapeSamples(ctx context.Context, url string, line *regexp.Regexp, add func(key string, v float64)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("Temporal's metrics: %w", err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	lines.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for lines.Scan() {
		m := line.FindStringSubmatch(lines.Text())
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return fmt.Errorf("Temporal's metrics: %q: %w", lines.Text(), err)
		}
		add(m[1], v)
	}
	return lines.Err()
}

// PersistencePerStep is how many persistence operations a step cost, on average, by operation,
// and the CPU it cost the whole machine and each process taking part, in milliseconds.
type PersistencePerStep struct {
	Total       float64            `json:"total"`
	ByOperation map[string]float64 `json:"by_operation"`
	MachineCPU  float64            `json:"machine_cpu_ms"`
	CPU         map[string]float64 `json:"cpu_ms"`
}

// postgresPIDs are the PostgreSQL server's processes running now.
func postgresPIDs() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// machineCPUSeconds is the CPU time all cores have spent busy since boot, from /proc/stat.
func machineCPUSeconds() (float64, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat begins %q", line)
	}
	var busy float64
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		busy += v
	}
	return busy / clockTicks, nil
}

// perStep divides what after counts beyond before among n steps.
func perStep(before, after persistenceCounts, n int) PersistencePerStep {
	p := PersistencePerStep{ByOperation: map[string]float64{}}
	for op, v := range after {
		if d := (v - before[op]) / float64(n); d > 0 {
			p.ByOperation[op] = d
			p.Total += d
		}
	}
	return p
}

// differences lists the operations a costs more of than b, the largest first, as "op +x.x".
func differences(a, b PersistencePerStep) string {
	ops := slices.SortedFunc(maps.Keys(a.ByOperation), func(x, y string) int {
		dx, dy := a.ByOperation[x]-b.ByOperation[x], a.ByOperation[y]-b.ByOperation[y]
		switch {
		case dx > dy:
			return -1
		case dx < dy:
			return 1
		}
		return strings.Compare(x, y)
	})
	var out []string
	for _, op := range ops {
		if d := a.ByOperation[op] - b.ByOperation[op]; d >= 0.05 {
			out = append(out, fmt.Sprintf("%s +%.1f", op, d))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
