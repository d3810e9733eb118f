package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"
)

// RushReport is what a rush prints, as a table or as JSON.
type RushReport struct {
	Fans         int              `json:"fans"`
	Targets      []string         `json:"targets"`
	WallSeconds  float64          `json:"wall_seconds"`
	Endpoints    []EndpointReport `json:"endpoints"`
	Outcomes     map[string]int   `json:"outcomes"`
	TicketMillis Percentiles      `json:"arrival_to_ticket_ms"`
	SeatsSold    int              `json:"seats_sold"`
	// Purchases are the payments that bought them: a seat's, or an order's of one to four.
	Purchases      int            `json:"purchases"`
	SeatsOnSale    int            `json:"seats_on_sale,omitempty"`
	SellOutSeconds *float64       `json:"sell_out_seconds,omitempty"`
	Admitted       int            `json:"admitted"`
	Inversions     int64          `json:"admission_inversions"`
	Errors         map[string]int `json:"errors_by_status"`
	// Sales are the same counts sale by sale; inversions are counted within each sale, whose
	// queue numbers its own fans.
	Sales []SaleReport `json:"sales"`
	Audit *AuditResult `json:"audit,omitempty"`
}

// SaleReport is one sale's part of a rush.
type SaleReport struct {
	Sale           string   `json:"sale_id"`
	Visits         int      `json:"visits"`
	SeatsSold      int      `json:"seats_sold"`
	SeatsOnSale    int      `json:"seats_on_sale,omitempty"`
	Revenue        int64    `json:"revenue"`
	SellOutSeconds *float64 `json:"sell_out_seconds,omitempty"`
	Admitted       int      `json:"admitted"`
	Inversions     int64    `json:"admission_inversions"`
}

// EndpointReport is one endpoint's load and latency.
type EndpointReport struct {
	Endpoint  string         `json:"endpoint"`
	Requests  int            `json:"requests"`
	PerSecond float64        `json:"per_second"`
	Millis    Percentiles    `json:"latency_ms"`
	Statuses  map[string]int `json:"statuses"`
}

// AuditResult is the output of `boxoffice audit` after a spawned rush.
type AuditResult struct {
	OK     bool   `json:"ok"`
	Output string `json:"output"`
}

var endpointOrder = []string{"POST /api/token", "GET /api/token", "GET /api/token/events", "GET /api/tickets/dates", "GET /api/tickets/seats",
	"POST /api/tickets", "POST /api/orders", "POST /api/balance", "POST /api/payment", "POST /api/orders/{order_id}/payment"}

func buildReport(fans []*fan, rec *recorder, sales map[string]*sale, start time.Time, wall time.Duration, targets []string) RushReport {
	r := RushReport{Fans: len(fans), Targets: targets, WallSeconds: wall.Seconds(), Outcomes: map[string]int{}, Errors: map[string]int{}}
	for _, name := range endpointOrder {
		c := rec.calls[name]
		if c == nil {
			continue
		}
		r.Endpoints = append(r.Endpoints, EndpointReport{
			Endpoint: name, Requests: len(c.latencies), PerSecond: float64(len(c.latencies)) / wall.Seconds(),
			Millis: percentiles(c.latencies), Statuses: c.statuses,
		})
	}
	var toTicket []time.Duration
	for _, f := range fans {
		r.Outcomes[string(f.outcome)]++
		switch {
		case f.outcome == bought:
			r.SeatsSold += f.seats()
			r.Purchases++
			toTicket = append(toTicket, f.ticketAt.Sub(f.arrival))
		case f.outcome == failed:
			if code := statusOf(f.err); code != 0 {
				r.Errors[strconv.Itoa(code)]++
			} else {
				r.Errors["transport error"]++
			}
		}
	}
	r.TicketMillis = percentiles(toTicket)
	ids := make([]string, 0, len(sales))
	for id := range sales {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		sr := saleReport(fans, sales[id], start)
		r.Sales = append(r.Sales, sr)
		r.Admitted += sr.Admitted
		r.Inversions += sr.Inversions
		if sr.SellOutSeconds != nil && (r.SellOutSeconds == nil || *sr.SellOutSeconds > *r.SellOutSeconds) {
			r.SellOutSeconds = sr.SellOutSeconds // the rush is sold out when its last sale is
		}
	}
	if len(r.Sales) > 1 && slices.ContainsFunc(r.Sales, func(s SaleReport) bool { return s.SellOutSeconds == nil }) {
		r.SellOutSeconds = nil
	}
	return r
}

// saleReport counts one sale's visits.
func saleReport(fans []*fan, s *sale, start time.Time) SaleReport {
	r := SaleReport{Sale: s.id}
	if r.Sale == "" {
		r.Sale = "(default)"
	}
	var admitted []*fan
	for _, f := range fans {
		if f.sale != s.id {
			continue
		}
		r.Visits++
		if f.outcome == bought {
			r.SeatsSold += f.seats()
			r.Revenue += f.receipt.Amount
		}
		if !f.admittedAt.IsZero() {
			admitted = append(admitted, f)
		}
	}
	if at := s.soldOutAt.Load(); at != 0 {
		secs := time.Unix(0, at).Sub(start).Seconds()
		r.SellOutSeconds = &secs
	}
	r.Admitted = len(admitted)
	r.Inversions = inversions(admitted)
	return r
}

// inversions counts pairs of admitted fans where the one who arrived first (lower sequence
// number) was admitted later: 0 means admission followed arrival order exactly.
func inversions(admitted []*fan) int64 {
	sort.Slice(admitted, func(i, j int) bool { return admitted[i].seq < admitted[j].seq })
	times := make([]time.Time, len(admitted))
	for i, f := range admitted {
		times[i] = f.admittedAt
	}
	return countInversions(times)
}

// countInversions counts i<j with t[i] after t[j], by merge sort.
func countInversions(t []time.Time) int64 {
	if len(t) < 2 {
		return 0
	}
	mid := len(t) / 2
	left, right := slices.Clone(t[:mid]), slices.Clone(t[mid:])
	n := countInversions(left) + countInversions(right)
	i, j := 0, 0
	for k := range t {
		if j >= len(right) || (i < len(left) && !left[i].After(right[j])) {
			t[k] = left[i]
			i++
		} else {
			t[k] = right[j]
			n += int64(len(left) - i)
			j++
		}
	}
	return n
}

func (r RushReport) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r RushReport) writeTable(w io.Writer) {
	fmt.Fprintf(w, "rush: %d fans against %v in %.1fs\n\n", r.Fans, r.Targets, r.WallSeconds)
	fmt.Fprintf(w, "%-35s %8s %8s %9s %9s %9s  %s\n", "endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses")
	for _, e := range r.Endpoints {
		fmt.Fprintf(w, "%-35s %8d %8.1f %9.2f %9.2f %9.2f  %v\n", e.Endpoint, e.Requests, e.PerSecond, e.Millis.P50, e.Millis.P95, e.Millis.P99, e.Statuses)
	}
	fmt.Fprintln(w)
	outcomes := make([]string, 0, len(r.Outcomes))
	for o := range r.Outcomes {
		outcomes = append(outcomes, o)
	}
	sort.Strings(outcomes)
	for _, o := range outcomes {
		fmt.Fprintf(w, "  %6d  %s\n", r.Outcomes[o], o)
	}
	fmt.Fprintln(w)
	onSale := "?"
	if r.SeatsOnSale > 0 {
		onSale = strconv.Itoa(r.SeatsOnSale)
	}
	fmt.Fprintf(w, "seats sold:          %d of %s on sale, in %d purchases\n", r.SeatsSold, onSale, r.Purchases)
	if r.SellOutSeconds != nil {
		fmt.Fprintf(w, "sold out after:      %.1fs\n", *r.SellOutSeconds)
	} else {
		fmt.Fprintln(w, "sold out after:      not sold out")
	}
	fmt.Fprintf(w, "arrival to ticket:   p50 %.0f ms, p95 %.0f ms, p99 %.0f ms\n", r.TicketMillis.P50, r.TicketMillis.P95, r.TicketMillis.P99)
	fmt.Fprintf(w, "admission fairness:  %d inversions among %d admitted fans\n", r.Inversions, r.Admitted)
	fmt.Fprintf(w, "unexpected answers:  %v\n", r.Errors)
	if len(r.Sales) > 1 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%-20s %7s %6s %8s %12s %9s %9s %10s\n", "sale", "visits", "sold", "on sale", "revenue", "sold out", "admitted", "inversions")
		for _, s := range r.Sales {
			out := "no"
			if s.SellOutSeconds != nil {
				out = fmt.Sprintf("%.1fs", *s.SellOutSeconds)
			}
			fmt.Fprintf(w, "%-20s %7d %6d %8d %12d %9s %9d %10d\n", s.Sale, s.Visits, s.SeatsSold, s.SeatsOnSale, s.Revenue, out, s.Admitted, s.Inversions)
		}
	}
	if r.Audit != nil {
		fmt.Fprintf(w, "\n%s", r.Audit.Output)
	}
}
