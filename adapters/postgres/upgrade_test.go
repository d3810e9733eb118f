package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
)

// beforeSales is the last schema of one concert and one queue.
const beforeSales = 5

// oneConcert is a sale as the one-concert schema kept it, written as that release's SQL did:
// two dates of "Boxoffice Live" at 50,000 won, 5 seats each; alice paid for seat 1 of the first
// date with a keyed payment (her token expired), bob holds seat 2 (active), carol's hold was
// released, dave waits; the queue's counters and settings in force.
var oneConcert = []string{
	`INSERT INTO performances (perf_date, concert, price, seat_count) VALUES
	    ('2030-07-01', 'Boxoffice Live', 50000, 5), ('2030-07-02', 'Boxoffice Live', 50000, 5)`,
	`INSERT INTO seats (perf_date, seat_no) SELECT d, n FROM unnest(ARRAY['2030-07-01', '2030-07-02']::date[]) d, generate_series(1, 5) n`,
	`INSERT INTO queue_tokens (id, user_id, seq, state, issued_at, admitted_at, expires_at, last_seen_at) VALUES
	    ('00000000-0000-0000-0000-0000000000a1', 'alice', 1, 'expired', '2030-06-01 12:00Z', '2030-06-01 12:00:01Z', '2030-06-01 12:03Z', '2030-06-01 12:00Z'),
	    ('00000000-0000-0000-0000-0000000000b1', 'bob',   2, 'active',  '2030-06-01 12:00Z', '2030-06-01 12:00:01Z', '2030-06-01 12:10Z', '2030-06-01 12:00Z'),
	    ('00000000-0000-0000-0000-0000000000c1', 'carol', 3, 'expired', '2030-06-01 12:00Z', '2030-06-01 12:00:02Z', '2030-06-01 12:01Z', '2030-06-01 12:00Z'),
	    ('00000000-0000-0000-0000-0000000000d1', 'dave',  4, 'waiting', '2030-06-01 12:00Z', NULL, NULL, '2030-06-01 12:00Z')`,
	`UPDATE queues SET last_seq = 4, admitted_through = 3, admit_rate = 2.5, rate_at = '2030-06-01 12:00:02Z', admitted_total = 3,
	    settings_admit_rate = 7, settings_max_active = 70, settings_tick_ms = 1000, settings_revision = 2 WHERE name = 'main'`,
	`INSERT INTO reservations (id, user_id, perf_date, seat_no, price, status, held_until, created_at) VALUES
	    ('00000000-0000-0000-0000-0000000000a2', 'alice', '2030-07-01', 1, 50000, 'paid',     '2030-06-01 12:05Z', '2030-06-01 12:00:10Z'),
	    ('00000000-0000-0000-0000-0000000000b2', 'bob',   '2030-07-01', 2, 50000, 'held',     '2030-06-01 12:05Z', '2030-06-01 12:00:10Z'),
	    ('00000000-0000-0000-0000-0000000000c2', 'carol', '2030-07-02', 3, 50000, 'released', '2030-06-01 12:05Z', '2030-06-01 12:00:10Z')`,
	`UPDATE seats SET status = 'sold', reservation_id = '00000000-0000-0000-0000-0000000000a2' WHERE perf_date = '2030-07-01' AND seat_no = 1`,
	`UPDATE seats SET status = 'held', reservation_id = '00000000-0000-0000-0000-0000000000b2', held_until = '2030-06-01 12:05Z' WHERE perf_date = '2030-07-01' AND seat_no = 2`,
	`INSERT INTO wallets (user_id, balance, updated_at) VALUES ('alice', 30000, '2030-06-01 12:01Z'), ('bob', 10000, '2030-06-01 12:01Z')`,
	`INSERT INTO wallet_ledger (user_id, kind, amount, reservation_id, created_at, idempotency_key, balance_after) VALUES
	    ('alice', 'charge', 80000, NULL, '2030-06-01 12:00:05Z', 'top-up-1', 80000),
	    ('alice', 'payment', -50000, '00000000-0000-0000-0000-0000000000a2', '2030-06-01 12:01Z', NULL, NULL),
	    ('bob', 'charge', 10000, NULL, '2030-06-01 12:00:05Z', NULL, 10000)`,
	`INSERT INTO payments (id, reservation_id, user_id, amount, paid_at, idempotency_key) VALUES
	    ('00000000-0000-0000-0000-0000000000a3', '00000000-0000-0000-0000-0000000000a2', 'alice', 50000, '2030-06-01 12:01Z', 'pay-1')`,
}

// The migration to many sales turns the one concert into the default sale: every row survives
// with its meaning, the store reads it back, the audit passes, and the sale takes new fans
// after the ones it had.
func TestUpgradeTurnsTheOneConcertIntoTheDefaultSale(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, pgtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := postgres.MigrateTo(ctx, pool, beforeSales); err != nil {
		t.Fatal(err)
	}
	for _, q := range oneConcert {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	counts := func() map[string]int64 {
		m := map[string]int64{}
		for _, table := range []string{"performances", "seats", "reservations", "payments", "wallets", "wallet_ledger", "queue_tokens", "queues"} {
			var n int64
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			m[table] = n
		}
		return m
	}
	before := counts()
	if n, err := postgres.Migrate(ctx, pool); err != nil || n == 0 {
		t.Fatalf("migrate: %d migrations, %v", n, err)
	}
	after := counts()
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows before the upgrade, %d after", table, n, after[table])
		}
	}

	s := postgres.NewStore(pool)
	t.Cleanup(func() { _ = s.Close(ctx) })
	const sale core.SaleID = "boxoffice-live" // the concert's name as a slug
	sales, err := s.Catalog.Sales(ctx)
	if err != nil || len(sales) != 1 || sales[0].ID != sale || sales[0].Title != "Boxoffice Live" || sales[0].State != core.OnSale ||
		sales[0].MaxTicketsPerFan != catalog.DefaultMaxTicketsPerFan {
		t.Fatalf("sales after the upgrade: %+v, %v", sales, err)
	}
	perfs, err := s.Catalog.Performances(ctx, sale)
	if err != nil || len(perfs) != 2 || perfs[0].Seats() != 5 ||
		len(perfs[0].Sections) != 1 || perfs[0].Sections[0] != (catalog.Section{Name: "General", FirstSeat: 1, LastSeat: 5, Price: 50_000}) {
		t.Fatalf("performances after the upgrade: %+v, %v", perfs, err)
	}
	d, _ := core.ParseDate("2030-07-01")
	at := time.Date(2030, 6, 1, 12, 2, 0, 0, time.UTC)
	seats, err := s.Seating.Seats(ctx, sale, d, at)
	if err != nil || len(seats) != 5 || seats[0].Status != catalog.SeatReserved || seats[1].Status != catalog.SeatReserved ||
		seats[2].Status != catalog.SeatAvailable || seats[0].Section != "General" || seats[0].Price != 50_000 {
		t.Fatalf("seats after the upgrade: %+v, %v", seats, err)
	}
	paid, err := s.Holds.Reservation(ctx, "00000000-0000-0000-0000-0000000000a2")
	if err != nil || paid.SaleID != sale || paid.Status != booking.Paid || paid.Section != "General" || paid.Price != 50_000 {
		t.Fatalf("alice's reservation: %+v, %v", paid, err)
	}
	if rc, err := s.Holds.Receipt(ctx, paid.ID); err != nil || rc.Amount != 50_000 || rc.PaymentID != "00000000-0000-0000-0000-0000000000a3" {
		t.Fatalf("alice's receipt: %+v, %v", rc, err)
	}
	if id, found, err := s.Holds.PaymentByKey(ctx, "alice", "pay-1"); err != nil || !found || id != paid.ID {
		t.Fatalf("alice's payment key: %s %v %v", id, found, err)
	}
	if bal, err := s.Wallets.Balance(ctx, "alice"); err != nil || bal != 30_000 {
		t.Fatalf("alice's balance: %d, %v", bal, err)
	}
	held, err := s.Holds.Reservation(ctx, "00000000-0000-0000-0000-0000000000b2")
	if err != nil || held.Status != booking.Held || held.SaleID != sale {
		t.Fatalf("bob's hold: %+v, %v", held, err)
	}
	q, err := s.Tokens.Queue(ctx, sale)
	if err != nil || q.LastSeq != 4 || q.AdmittedThrough != 3 || q.Settings.AdmitRate != 7 || q.Settings.MaxActive != 70 || q.Settings.Revision != 2 {
		t.Fatalf("the queue after the upgrade: %+v, %v", q, err)
	}
	tok, err := s.Tokens.Token(ctx, "00000000-0000-0000-0000-0000000000d1")
	if err != nil || tok.SaleID != sale || tok.State != queue.Waiting || tok.Seq != 4 {
		t.Fatalf("dave's token: %+v, %v", tok, err)
	}

	report, err := s.Audit(ctx, 30*time.Second, at)
	if err != nil || !report.OK() || len(report.Sales) != 1 || report.Sales[0].Totals.Payments != 1 || report.Sales[0].Totals.Tokens != 4 {
		t.Fatalf("audit after the upgrade: %+v, %v", report, err)
	}
	// The sale goes on: a new fan is number 5, and dave's live token is his token still.
	erin, err := s.Tokens.IssueToken(ctx, sale, "erin", at)
	if err != nil || erin.Seq != 5 {
		t.Fatalf("a new fan after the upgrade: %+v, %v", erin, err)
	}
	if again, err := s.Tokens.IssueToken(ctx, sale, "dave", at); err != nil || again.ID != tok.ID {
		t.Fatalf("dave asks again: %+v, %v; want his token %s", again, err, tok.ID)
	}
}
