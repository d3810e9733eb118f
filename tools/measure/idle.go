package main

// The idle benchmark measures what sales nobody queues for cost: it starts boxoffice on
// PostgreSQL and a Temporal dev server (a worker and one API instance) and, for a window with
// the demo sale alone and again once -sales more are open and settled, samples the CPU time of
// the worker, the API and the Temporal server (from /proc) and the database's committed
// transactions (pg_stat_database); then it times the operators' list of every sale and the
// fans' list of sales on sale. A sale with nobody waiting should cost nothing: its admission
// workflow sleeps after one round.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	openapitypes "github.com/oapi-codegen/runtime/types"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
	"github.com/boxoffice/boxoffice/tools/sandbox"
)

// IdleReport is what `measure idle` prints.
type IdleReport struct {
	Window   string     `json:"window"`
	Baseline IdleSample `json:"baseline"`
	Open     IdleSample `json:"with_idle_sales"`
	Sales    int        `json:"idle_sales"`
	// AdminList and PublicList time GET /api/admin/sales and GET /api/sales with every sale open.
	AdminList  Percentiles `json:"admin_list_ms"`
	PublicList Percentiles `json:"public_list_ms"`
}

// IdleSample is the load of a window: CPU seconds a second of each process, and transactions
// a second of the database.
type IdleSample struct {
	Sales          int     `json:"sales_open"`
	WorkerCPU      float64 `json:"worker_cpu"`
	APICPU         float64 `json:"api_cpu"`
	TemporalCPU    float64 `json:"temporal_cpu"`
	DBTransactions float64 `json:"db_transactions_per_second"`
}

func (r IdleReport) print(w io.Writer) {
	fmt.Fprintf(w, "idle sales: load over %s windows (CPU: share of one core)\n\n", r.Window)
	fmt.Fprintf(w, "%-22s %10s %10s %12s %14s\n", "sales open", "worker", "api", "temporal", "db xact/s")
	for _, s := range []IdleSample{r.Baseline, r.Open} {
		fmt.Fprintf(w, "%-22d %9.1f%% %9.1f%% %11.1f%% %14.1f\n", s.Sales, 100*s.WorkerCPU, 100*s.APICPU, 100*s.TemporalCPU, s.DBTransactions)
	}
	fmt.Fprintf(w, "\nwith %d sales: GET /api/admin/sales p50 %.0f ms, p99 %.0f ms (10 calls); GET /api/sales p50 %.1f ms, p99 %.1f ms (100 calls)\n",
		r.Sales+1, r.AdminList.P50, r.AdminList.P99, r.PublicList.P50, r.PublicList.P99)
}

// runIdleBench is `measure idle`.
func runIdleBench(args []string) error {
	o := sandbox.Options{Instances: 1, HoldTTL: time.Minute, SessionTTL: time.Hour, AdmitRate: 50, MaxActive: 1000, Seats: 10,
		Env: []string{"BOXOFFICE_ADMIT_TICK=1s"}} // the default tick
	fs := flag.NewFlagSet("measure idle", flag.ContinueOnError)
	sales := fs.Int("idle", 1000, "idle sales to open (1 to 2000)")
	window := fs.Duration("window", 20*time.Second, "how long each load is sampled (5s to 2m)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sandbox.BindFlags(fs, &o, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sales < 1 || *sales > 2000 || *window < 5*time.Second || *window > 2*time.Minute {
		return errors.New("-idle must be 1 to 2000 and -window 5s to 2m")
	}
	ctx, cancel := boundedRun(15 * time.Minute)
	defer cancel()
	sys, err := sandbox.Spawn(ctx, o)
	if err != nil {
		return err
	}
	defer sys.Stop()
	r := IdleReport{Window: window.String(), Sales: *sales}
	time.Sleep(5 * time.Second) // start-up settles
	if r.Baseline, err = sampleLoad(ctx, sys, *window); err != nil {
		return err
	}
	r.Baseline.Sales = 1
	if err := openIdleSales(ctx, sys, *sales); err != nil {
		return err
	}
	time.Sleep(15 * time.Second) // each new sale's first round, then sleep
	if r.Open, err = sampleLoad(ctx, sys, *window); err != nil {
		return err
	}
	r.Open.Sales = *sales + 1
	if r.AdminList, r.PublicList, err = timeLists(ctx, sys); err != nil {
		return err
	}
	printReport(os.Stdout, *asJSON, r)
	return nil
}

// openIdleSales puts n sales on through the admin API, 8 at a time; nobody queues for them.
func openIdleSales(ctx context.Context, sys *sandbox.System, n int) error {
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return err
	}
	day := openapitypes.Date{Time: time.Now().UTC().AddDate(0, 0, 60)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				res, err := api.CreateSaleWithResponse(ctx, apiclient.CreateSaleJSONRequestBody{
					SaleId: fmt.Sprintf("idle-%04d", i), Title: "Idle " + strconv.Itoa(i), Venue: "Quiet Hall",
					Performances: []apiclient.PerformanceSpecBody{{Date: day, Sections: []apiclient.SectionBody{{Name: "All", FirstSeat: 1, LastSeat: 10, Price: 10_000}}}},
				}, apiclient.AdminKey(sys.AdminKey))
				if err == nil && res.JSON201 == nil {
					err = fmt.Errorf("%d %s", res.StatusCode(), res.Body)
				}
				if err != nil {
					errs[i] = fmt.Errorf("open idle sale %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sampleLoad measures the processes' CPU and the database's transactions over window.
func sampleLoad(ctx context.Context, sys *sandbox.System, window time.Duration) (IdleSample, error) {
	temporalPID, err := temporaltest.PID(sys.TemporalAddress())
	if err != nil {
		return IdleSample{}, err
	}
	pids := []int{sys.PID(0), sys.PID(1), temporalPID} // the worker, the API, Temporal
	conn, err := pgx.Connect(ctx, sys.DBURL)
	if err != nil {
		return IdleSample{}, err
	}
	defer conn.Close(ctx)
	xacts := func() (float64, error) {
		var n float64
		err := conn.QueryRow(ctx, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
		return n, err
	}
	cpu0, err := cpuSeconds(pids)
	if err != nil {
		return IdleSample{}, err
	}
	x0, err := xacts()
	if err != nil {
		return IdleSample{}, err
	}
	start := time.Now()
	time.Sleep(window)
	_, _ = conn.Exec(ctx, `SELECT pg_stat_force_next_flush()`)
	cpu1, err := cpuSeconds(pids)
	if err != nil {
		return IdleSample{}, err
	}
	x1, err := xacts()
	if err != nil {
		return IdleSample{}, err
	}
	secs := time.Since(start).Seconds()
	return IdleSample{WorkerCPU: (cpu1[0] - cpu0[0]) / secs, APICPU: (cpu1[1] - cpu0[1]) / secs, TemporalCPU: (cpu1[2] - cpu0[2]) / secs,
		DBTransactions: (x1 - x0 - 1) / secs}, nil
}

// clockTicks is the kernel's USER_HZ, in which /proc reports CPU time.
const clockTicks = 100

// cpuSeconds is each process's user and system CPU time so far.
func cpuSeconds(pids []int) ([]float64, error) {
	out := make([]float64, len(pids))
	for i, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil, err
		}
		// Fields after the command (which may hold spaces) start at state; utime and stime are
		// the 14th and 15th fields of the line.
		fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		utime, _ := strconv.ParseFloat(fields[11], 64)
		stime, _ := strconv.ParseFloat(fields[12], 64)
		out[i] = (utime + stime) / clockTicks
	}
	return out, nil
}

// timeLists times the operators' list of every sale and the fans' list of sales on sale.
func timeLists(ctx context.Context, sys *sandbox.System) (admin, public Percentiles, err error) {
	api, err := apiclient.NewClientWithResponses(sys.Targets[0])
	if err != nil {
		return Percentiles{}, Percentiles{}, err
	}
	measure := func(n int, call func() (int, error)) (Percentiles, error) {
		var took []time.Duration
		for range n {
			start := time.Now()
			status, err := call()
			if err == nil && status != 200 {
				err = fmt.Errorf("answered %d", status)
			}
			if err != nil {
				return Percentiles{}, err
			}
			took = append(took, time.Since(start))
		}
		return percentiles(took), nil
	}
	if admin, err = measure(10, func() (int, error) {
		res, err := api.ListAllSalesWithResponse(ctx, apiclient.AdminKey(sys.AdminKey))
		return answered(res, err)
	}); err != nil {
		return Percentiles{}, Percentiles{}, fmt.Errorf("GET /api/admin/sales: %w", err)
	}
	public, err = measure(100, func() (int, error) {
		res, err := api.ListSalesWithResponse(ctx)
		return answered(res, err)
	})
	if err != nil {
		return Percentiles{}, Percentiles{}, fmt.Errorf("GET /api/sales: %w", err)
	}
	return admin, public, nil
}

// answered is the status a call was answered with.
func answered(res interface{ StatusCode() int }, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return res.StatusCode(), nil
}
