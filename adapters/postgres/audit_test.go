package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

var epoch = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// sale runs a small sale: alice and bob admitted, alice pays for seat 1, bob holds seat 2.
func sale(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	s := postgres.NewStore(pool)
	t.Cleanup(func() { _ = s.Close(ctx) })
	d, _ := core.ParseDate("2030-07-01")
	p := catalog.Performance{Date: d, Concert: "Audit", Price: 50_000, Seats: 3}
	if err := s.AddPerformance(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, u := range []core.UserID{"alice", "bob", "carol"} {
		if _, err := s.IssueToken(ctx, u, epoch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Admit(ctx, queue.Round{Batch: 2, MaxActive: 10, Session: time.Hour, AbandonedBefore: epoch.Add(-time.Hour), Now: epoch}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Charge(ctx, "alice", 80_000, "", epoch); err != nil {
		t.Fatal(err)
	}
	for i, u := range []core.UserID{"alice", "bob"} {
		r := booking.Reservation{ID: core.NewID(), UserID: u, Date: d, Seat: i + 1, Price: p.Price,
			Status: booking.Held, HeldUntil: epoch.Add(5 * time.Minute), CreatedAt: epoch}
		if err := s.HoldSeat(ctx, r, epoch, noCap); err != nil {
			t.Fatal(err)
		}
		if u == "alice" {
			if _, err := s.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: u, PaymentID: core.NewID(), At: epoch}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s, pool
}

func breaches(t *testing.T, s *postgres.Store, at time.Time) map[string]int64 {
	t.Helper()
	r, err := s.Audit(context.Background(), 30*time.Second, at)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, c := range r.Checks {
		m[c.Name] = c.Breaches
	}
	return m
}

func TestAuditPassesACleanSale(t *testing.T) {
	s, _ := sale(t)
	r, err := s.Audit(context.Background(), 30*time.Second, epoch.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("clean sale breaches: %+v", r.Checks)
	}
	if r.Totals != (postgres.AuditTotals{Seats: 3, Sold: 1, Payments: 1, Revenue: 50_000, Released: 0, Tokens: 3}) {
		t.Fatalf("totals %+v", r.Totals)
	}
}

// TestAuditFindsEachBreach corrupts the books one way at a time, bypassing the application
// (and where needed the schema's own guards), and expects the matching check to count it.
func TestAuditFindsEachBreach(t *testing.T) {
	for _, tc := range []struct {
		check string
		sql   []string
		at    time.Duration
	}{
		{"no seat sold twice", []string{
			"DROP INDEX reservations_one_live_per_seat",
			"INSERT INTO reservations SELECT gen_random_uuid(), 'mallory', perf_date, seat_no, price, 'paid', held_until, created_at FROM reservations WHERE status = 'paid'",
		}, time.Minute},
		{"every sold seat has exactly one payment of its price", []string{
			"UPDATE seats SET status = 'sold', held_until = NULL WHERE seat_no = 2",
		}, time.Minute},
		{"every payment has its sold seat", []string{
			"UPDATE seats SET status = 'held', held_until = now() WHERE status = 'sold'",
		}, time.Minute},
		{"no hold still held 30s past its deadline", nil, time.Hour},
		{"no session a payment was made in is still active", []string{
			"UPDATE queue_tokens SET state = 'active' WHERE user_id = 'alice'",
		}, time.Minute},
		{"each balance equals its ledger", []string{
			"UPDATE wallets SET balance = balance + 1",
		}, time.Minute},
		{"no negative balance", []string{
			"ALTER TABLE wallets DROP CONSTRAINT wallets_balance_check",
			"UPDATE wallets SET balance = -1",
		}, time.Minute},
		{"payments and ledger debits match one to one", []string{
			"DELETE FROM wallet_ledger WHERE kind = 'payment'",
		}, time.Minute},
		{"no token admitted before an earlier arrival", []string{
			"UPDATE queue_tokens SET admitted_at = admitted_at + interval '1 hour' WHERE seq = (SELECT min(seq) FROM queue_tokens)",
		}, time.Minute},
		{"no waiting token skipped by admission", []string{
			"UPDATE queue_tokens SET state = 'waiting', admitted_at = NULL, expires_at = NULL WHERE seq = (SELECT min(seq) FROM queue_tokens)",
		}, time.Minute},
		{"sequence numbers are gap-free", []string{
			"UPDATE queue_tokens SET seq = seq + 10 WHERE seq = (SELECT max(seq) FROM queue_tokens)",
		}, time.Minute},
		{"no token waits at or below the admission watermark", []string{
			"UPDATE queues SET admitted_through = last_seq",
		}, time.Minute},
		// Seed 1 draws places [2 1 3] for three early tokens; the books claim they kept their order.
		{"the opening draw replays from its seed", []string{
			"UPDATE queues SET opens_at = now(), draw_seed = 1, early_through = 3, drawn_at = now()",
			"UPDATE queue_tokens SET arrival_seq = seq, early = true",
		}, time.Minute},
	} {
		t.Run(tc.check, func(t *testing.T) {
			s, pool := sale(t)
			if before := breaches(t, s, epoch.Add(time.Minute)); before[tc.check] != 0 {
				t.Fatalf("breach before corruption: %v", before)
			}
			for _, q := range tc.sql {
				if _, err := pool.Exec(context.Background(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			got := breaches(t, s, epoch.Add(tc.at))
			if _, known := got[tc.check]; !known {
				t.Fatalf("no check named %q in %v", tc.check, got)
			}
			if got[tc.check] == 0 {
				t.Fatalf("check %q missed the corruption: %v", tc.check, got)
			}
		})
	}
}

// noCap lets a test hold as many seats per user as it likes.
const noCap = 1 << 30
