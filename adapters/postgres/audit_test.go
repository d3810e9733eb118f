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
	"github.com/boxoffice/boxoffice/core/porttest"
	"github.com/boxoffice/boxoffice/core/queue"
)

var epoch = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// auditedSale is the sale the audit tests corrupt; quietSale runs beside it, untouched.
const auditedSale, quietSale core.SaleID = "audited-sale", "quiet-sale"

// sale runs a small sale: alice and bob admitted, alice pays for seat 1 (Front, 50,000), bob
// holds seat 2 and pays for an order of seats 4 and 5 (Back, 20,000 each); carol waits; beside
// it, carol queues in a quiet sale.
func sale(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	s := postgres.NewStore(pool)
	t.Cleanup(func() { _ = s.Close(ctx) })
	d, _ := core.ParseDate("2030-07-01")
	sections := []catalog.Section{{Name: "Front", FirstSeat: 1, LastSeat: 2, Price: 50_000}, {Name: "Back", FirstSeat: 3, LastSeat: 5, Price: 20_000}}
	for _, id := range []core.SaleID{auditedSale, quietSale} {
		sl := catalog.Sale{ID: id, Title: "Audit", Venue: "Hall", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: epoch}
		if err := s.Catalog.CreateSale(ctx, sl, []catalog.Performance{{SaleID: id, Date: d, Sections: sections}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []core.UserID{"alice", "bob", "carol"} {
		if _, err := s.Tokens.IssueToken(ctx, auditedSale, u, epoch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Tokens.IssueToken(ctx, quietSale, "carol", epoch); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tokens.Admit(ctx, auditedSale, queue.Round{Batch: 2, MaxActive: 10, Session: time.Hour, AbandonedBefore: epoch.Add(-time.Hour), Now: epoch}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wallets.Charge(ctx, "alice", 80_000, "", epoch); err != nil {
		t.Fatal(err)
	}
	for i, u := range []core.UserID{"alice", "bob"} {
		r := booking.Reservation{ID: core.NewID(), UserID: u, SaleID: auditedSale, Date: d, Seat: i + 1, Section: "Front", Price: 50_000,
			Status: booking.Held, HeldUntil: epoch.Add(5 * time.Minute), CreatedAt: epoch}
		hold(t, s, r, noCap)
		if u == "alice" {
			if _, err := s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: r.ID, UserID: u, PaymentID: core.NewID(), At: epoch}); err != nil {
				t.Fatal(err)
			}
		}
	}
	payOrder(t, s, d)
	return s, pool
}

// breaches counts each check's breaches in the audited sale and across wallets.
func breaches(t *testing.T, s *postgres.Store, at time.Time) map[string]int64 {
	t.Helper()
	r, err := s.Audit(context.Background(), 30*time.Second, at)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, c := range append(r.Wallets, r.Webhooks...) {
		m[c.Name] = c.Breaches
	}
	for _, sa := range r.Sales {
		for _, c := range sa.Checks {
			if sa.Sale == auditedSale {
				m[c.Name] = c.Breaches
			} else if c.Breaches != 0 {
				t.Errorf("corrupting %s breached %q in %s", auditedSale, c.Name, sa.Sale)
			}
		}
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
		t.Fatalf("clean sale breaches: %+v", r)
	}
	if len(r.Sales) != 2 || r.Sales[0].Sale != auditedSale || r.Sales[1].Sale != quietSale {
		t.Fatalf("audited sales %+v, want %s and %s", r.Sales, auditedSale, quietSale)
	}
	if got := r.Sales[0].Totals; got != (postgres.AuditTotals{Seats: 5, Sold: 3, Payments: 3, Revenue: 90_000, Released: 0, Tokens: 3}) {
		t.Fatalf("totals of %s %+v", auditedSale, got)
	}
	if got := r.Sales[1].Totals; got != (postgres.AuditTotals{Seats: 5, Tokens: 1}) {
		t.Fatalf("totals of %s %+v", quietSale, got)
	}
}

// payOrder has bob, admitted, pay for an order of seats 4 and 5 of the audited sale.
func payOrder(t *testing.T, s *postgres.Store, d core.Date) {
	t.Helper()
	ctx := context.Background()
	tok, err := porttest.AdmitFan(ctx, s.Tokens, auditedSale, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wallets.Charge(ctx, "bob", 40_000, "", epoch); err != nil {
		t.Fatal(err)
	}
	o := booking.Order{ID: core.NewID(), UserID: "bob", SaleID: auditedSale, Date: d, HeldUntil: epoch.Add(5 * time.Minute), CreatedAt: epoch}
	o, err = s.Orders.HoldOrder(ctx, booking.OrderAttempt{Request: booking.OrderRequest{Seats: []int{4, 5}}, Order: o,
		IDs: []core.ID{core.NewID(), core.NewID()}, Token: tok, Now: epoch, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settlements.SettleOrder(ctx, booking.OrderSettlement{OrderID: o.ID, UserID: "bob", PaymentID: core.NewID(), At: epoch}); err != nil {
		t.Fatal(err)
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
			"INSERT INTO reservations (id, user_id, sale_id, perf_date, seat_no, section, price, status, held_until, created_at) " +
				"SELECT gen_random_uuid(), 'mallory', sale_id, perf_date, seat_no, section, price, 'paid', held_until, created_at FROM reservations WHERE status = 'paid'",
		}, time.Minute},
		{"every sold seat has exactly one payment of the price it was held at", []string{
			"UPDATE seats SET status = 'sold', held_until = NULL WHERE sale_id = 'audited-sale' AND seat_no = 2",
		}, time.Minute},
		{"every sold seat has exactly one payment of the price it was held at", []string{
			"UPDATE reservations SET price = 20000 WHERE status = 'paid'",
		}, time.Minute},
		{"every payment has its sold seat", []string{
			"UPDATE seats SET status = 'held', held_until = now() WHERE status = 'sold'",
		}, time.Minute},
		{"no fan bought more than the per-fan limit", []string{
			"INSERT INTO reservations (id, user_id, sale_id, perf_date, seat_no, section, price, status, held_until, created_at, fan_limit) " +
				"SELECT gen_random_uuid(), 'alice', sale_id, perf_date, 3, 'Back', 20000, 'paid', held_until, created_at, 1 FROM reservations WHERE user_id = 'alice'",
			"UPDATE reservations SET fan_limit = 1 WHERE user_id = 'alice'",
		}, time.Minute},
		{"no hold still held 30s past its payment deadline", nil, time.Hour},
		{"every cancelled ticket has exactly one refund, of its price less the fee kept", []string{
			"UPDATE reservations SET status = 'cancelled' WHERE user_id = 'alice'",
		}, time.Minute},
		{"every cancelled ticket has exactly one refund, of its price less the fee kept", []string{
			"UPDATE reservations SET status = 'cancelled' WHERE user_id = 'alice'",
			"INSERT INTO refunds SELECT gen_random_uuid(), id, reservation_id, user_id, 40000, 0, 'fan', now(), NULL FROM payments",
			"INSERT INTO wallet_ledger (user_id, kind, amount, reservation_id, created_at) SELECT user_id, 'refund', 40000, reservation_id, now() FROM payments",
		}, time.Minute},
		{"refunds and ledger credits match one to one", []string{
			"UPDATE reservations SET status = 'cancelled' WHERE user_id = 'alice'",
			"INSERT INTO refunds SELECT gen_random_uuid(), id, reservation_id, user_id, 40000, 10000, 'fan', now(), NULL FROM payments",
		}, time.Minute},
		{"no checked-in ticket is cancelled or unpaid", []string{
			"INSERT INTO check_ins SELECT id, now() FROM reservations WHERE user_id = 'bob'",
		}, time.Minute},
		{"no session a payment was made in is still active", []string{
			"UPDATE queue_tokens SET state = 'active' WHERE sale_id = 'audited-sale' AND user_id = 'alice'",
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
			"UPDATE queue_tokens SET admitted_at = admitted_at + interval '1 hour' WHERE sale_id = 'audited-sale' AND seq = 1",
		}, time.Minute},
		{"no waiting token skipped by admission", []string{
			"UPDATE queue_tokens SET state = 'waiting', admitted_at = NULL, expires_at = NULL WHERE sale_id = 'audited-sale' AND seq = 1",
		}, time.Minute},
		{"sequence numbers are gap-free", []string{
			"UPDATE queue_tokens SET seq = seq + 10 WHERE sale_id = 'audited-sale' AND seq = 3",
		}, time.Minute},
		{"no token waits at or below the admission watermark", []string{
			"UPDATE queues SET admitted_through = last_seq WHERE sale_id = 'audited-sale'",
		}, time.Minute},
		{"the count of fans in session is the queue's active tokens", []string{
			"UPDATE queues SET active_count = active_count + 1 WHERE sale_id = 'audited-sale'",
		}, time.Minute},
		{"no fan who left the queue is in it again", []string{
			"UPDATE queue_tokens SET left_at = now(), state = 'active' WHERE sale_id = 'audited-sale' AND seq = 1",
		}, time.Minute},
		{"every order is taken, paid and released whole", []string{
			"UPDATE reservations SET held_until = held_until + interval '1 second' WHERE sale_id = 'audited-sale' AND seat_no = 5",
		}, time.Minute},
		{"every order is taken, paid and released whole", []string{
			"UPDATE payments SET order_payment_id = gen_random_uuid() WHERE reservation_id = (SELECT id FROM reservations WHERE sale_id = 'audited-sale' AND seat_no = 5)",
		}, time.Minute},
		{"every order is taken, paid and released whole", []string{
			"UPDATE reservations SET status = 'held' WHERE sale_id = 'audited-sale' AND seat_no = 5",
		}, time.Minute},
		{"every payment, refund, check-in and offer has its event", []string{
			"DELETE FROM events WHERE id = (SELECT id FROM events WHERE type = 'order.paid' ORDER BY tx DESC, seq DESC LIMIT 1)",
		}, time.Minute},
		{"every waitlist offer is accounted for", []string{
			"INSERT INTO waitlist (id, sale_id, perf_date, user_id, quantity, status, offer_ttl, joined_at) " +
				"SELECT gen_random_uuid(), sale_id, perf_date, 'mallory', 1, 'claimed', interval '10 minutes', now() FROM performances WHERE sale_id = 'audited-sale' LIMIT 1",
		}, time.Minute},
		{"every waitlist offer is accounted for", []string{
			"UPDATE orders SET waitlist_id = gen_random_uuid() WHERE sale_id = 'audited-sale'",
		}, time.Minute},
		{"no endpoint passed an event it hears without delivering it or giving up on it", []string{
			"INSERT INTO webhook_endpoints (id, url, events, secret, created_at, from_tx, done_tx, done_seq) " +
				"VALUES (gen_random_uuid(), 'https://hooks.example.com/', ARRAY['order.paid'], 'whsec_x', now(), 0, 9223372036854775807, 0)",
		}, time.Minute},
		// Seed 1 draws places [2 1 3] for three early tokens; the books claim they kept their order.
		{"the opening draw replays from its seed", []string{
			"UPDATE queues SET opens_at = now(), draw_seed = 1, early_through = 3, drawn_at = now() WHERE sale_id = 'audited-sale'",
			"UPDATE queue_tokens SET arrival_seq = seq, early = true WHERE sale_id = 'audited-sale'",
		}, time.Minute},
	} {
		t.Run(tc.check, func(t *testing.T) {
			t.Parallel()
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

// hold admits r's fan and holds r's seat for them at r.CreatedAt under limit.
func hold(t *testing.T, s *postgres.Store, r booking.Reservation, limit int) {
	t.Helper()
	ctx := context.Background()
	tok, err := porttest.AdmitFan(ctx, s.Tokens, r.SaleID, r.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Holds.HoldSeat(ctx, booking.HoldAttempt{Hold: r, Token: tok, Now: r.CreatedAt, Limit: limit}); err != nil {
		t.Fatal(err)
	}
}

// noCap lets a test hold as many seats per user as it likes.
const noCap = 1 << 30

// An operator lowers the limit below what a fan bought under the old one: the audit judges
// each purchase by the limit its hold was made under, and finds nothing wrong.
func TestAuditAcceptsPurchasesMadeUnderAnEarlierLimit(t *testing.T) {
	s, _ := sale(t)
	ctx := context.Background()
	d, _ := core.ParseDate("2030-07-01")
	second := booking.Reservation{ID: core.NewID(), UserID: "alice", SaleID: auditedSale, Date: d, Seat: 3, Section: "Back", Price: 20_000,
		Status: booking.Held, HeldUntil: epoch.Add(5 * time.Minute), CreatedAt: epoch}
	hold(t, s, second, 4)
	if _, err := s.Wallets.Charge(ctx, "alice", 20_000, "", epoch); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: second.ID, UserID: "alice", PaymentID: core.NewID(), At: epoch}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Catalog.UpdateSale(ctx, auditedSale, func(sl catalog.Sale) (catalog.Sale, error) {
		sl.MaxTicketsPerFan = 1 // alice has 2
		return sl, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := breaches(t, s, epoch.Add(time.Minute)); got["no fan bought more than the per-fan limit"] != 0 {
		t.Fatalf("a lowered limit made the audit find a breach: %v", got)
	}
}
