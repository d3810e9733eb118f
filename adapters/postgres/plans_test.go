package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
)

// Rush scale: what the hot statements must not grow with.
const (
	rushTokens = 100_000 // issued in the sale
	rushActive = 20_000  // of them admitted
	rushSeats  = 10_000  // of the date
	rushHeld   = 5_000   // seats held by admitted fans
	rushSale   = core.SaleID("rush-sale")
)

// plannedNode is one node of an executed plan, as auto_explain reports it (FORMAT JSON).
type plannedNode struct {
	NodeType       string        `json:"Node Type"`
	Relation       string        `json:"Relation Name"`
	Index          string        `json:"Index Name"`
	ActualRows     float64       `json:"Actual Rows"`
	ActualLoops    float64       `json:"Actual Loops"`
	RemovedFilter  float64       `json:"Rows Removed by Filter"`
	RemovedRecheck float64       `json:"Rows Removed by Index Recheck"`
	Plans          []plannedNode `json:"Plans"`
}

// executedPlan is one statement's executed plan.
type executedPlan struct {
	Query string      `json:"Query Text"`
	Plan  plannedNode `json:"Plan"`
}

// rowsRead is how many rows the plan's scans read: those they returned and those their
// filters threw away, each loop.
func (n plannedNode) rowsRead() float64 {
	read := 0.0
	if n.Relation != "" || strings.Contains(n.NodeType, "Index") {
		read = (n.ActualRows + n.RemovedFilter + n.RemovedRecheck) * max(1, n.ActualLoops)
	}
	for _, c := range n.Plans {
		read += c.rowsRead()
	}
	return read
}

// describe is the plan's scans, one a line, with the rows each read.
func (n plannedNode) describe(indent string) string {
	line := fmt.Sprintf("\n%s%s %s %s: %.0f rows (+%.0f filtered) × %.0f loops", indent, n.NodeType, n.Relation, n.Index,
		n.ActualRows, n.RemovedFilter, max(1, n.ActualLoops))
	for _, c := range n.Plans {
		line += c.describe(indent + "  ")
	}
	return line
}

// planLog collects the plan of every statement a connection runs, nested ones (inside PL/pgSQL
// functions) included.
type planLog struct {
	mu    sync.Mutex
	plans []executedPlan
}

func (l *planLog) notice(_ *pgconn.PgConn, n *pgconn.Notice) {
	_, raw, ok := strings.Cut(n.Message, "plan:\n")
	if !ok {
		return
	}
	var p executedPlan
	if json.Unmarshal([]byte(raw), &p) != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.plans = append(l.plans, p)
}

func (l *planLog) take() []executedPlan {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.plans
	l.plans = nil
	return out
}

// plannedStore is a store on one connection that plans every statement generically, as
// PostgreSQL does for prepared statements and PL/pgSQL after their first few calls whatever the
// data, and reports each executed plan through auto_explain.
func plannedStore(t *testing.T, url string) (*postgres.Store, *planLog) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	log := &planLog{}
	cfg.MaxConns = 1
	cfg.ConnConfig.OnNotice = log.notice
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		for _, stmt := range []string{
			"LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0", "SET auto_explain.log_nested_statements = on",
			"SET auto_explain.log_analyze = on", "SET auto_explain.log_format = json", "SET auto_explain.log_level = notice",
			"SET plan_cache_mode = force_generic_plan",
		} {
			if _, err := c.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewStore(pool)
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	return store, log
}

// seedRush puts the rush sale on with one date of rushSeats seats, issues rushTokens tokens of
// which rushActive are admitted, and has rushHeld admitted fans hold a seat each: straight in
// SQL for the tokens (the queue's own functions for the holds), as a sale's rush would leave it.
func seedRush(t *testing.T, url string, now time.Time) core.Date {
	t.Helper()
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	defer func() { _ = store.Close(ctx) }()
	d := core.DateOf(now.AddDate(0, 1, 0))
	sale := catalog.Sale{ID: rushSale, Title: "Rush", Venue: "Arena", State: core.OnSale, MaxTicketsPerFan: 4, CreatedAt: now}
	perf := catalog.Performance{SaleID: rushSale, Date: d, Sections: []catalog.Section{
		{Name: "Floor", FirstSeat: 1, LastSeat: rushSeats / 2, Price: 80_000}, {Name: "Stands", FirstSeat: rushSeats/2 + 1, LastSeat: rushSeats, Price: 40_000}}}
	if err := store.Catalog.CreateSale(ctx, sale, []catalog.Performance{perf}); err != nil {
		t.Fatal(err)
	}
	seed := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO queues (sale_id, last_seq, admitted_through) VALUES ($1, $2, $3)`, []any{string(rushSale), rushTokens, rushActive}},
		{`INSERT INTO queue_tokens (id, user_id, sale_id, seq, state, issued_at, last_seen_at, admitted_at, expires_at)
		  SELECT gen_random_uuid(), 'fan-' || g, $1, g, CASE WHEN g <= $3 THEN 'active' ELSE 'waiting' END, $4::timestamptz, $4::timestamptz,
		         CASE WHEN g <= $3 THEN $4::timestamptz END, CASE WHEN g <= $3 THEN $4::timestamptz + interval '1 hour' END
		  FROM generate_series(1, $2::int) g`, []any{string(rushSale), rushTokens, rushActive, now}},
		{`SELECT count(*) FROM queue_tokens t, LATERAL hold_seat(t.id, gen_random_uuid(), t.user_id, $1, $2::date, t.seq::int,
		         $3::timestamptz + interval '5 minutes', $3, 4) h
		  WHERE t.sale_id = $1 AND t.seq <= $4 AND h.outcome = 'held'`, []any{string(rushSale), d.Time(), now, rushHeld}},
		// A presale's worth of codes, each redeemed by a fan, and of spent solutions.
		{`INSERT INTO access_codes (code, sale_id, uses, uses_left, created_at)
		  SELECT 'RUSH-' || g, $1, 1, 0, $3::timestamptz FROM generate_series(1, $2::int) g`, []any{string(rushSale), rushTokens, now}},
		{`INSERT INTO access_code_redeemers (code, user_id) SELECT 'RUSH-' || g, 'fan-' || g FROM generate_series(1, $1::int) g`, []any{rushTokens}},
		{`INSERT INTO spent_proofs (expires_at, challenge)
		  SELECT $2::timestamptz + interval '10 minutes', sha256(('rush-' || g)::bytea) FROM generate_series(1, $1::int) g`, []any{rushTokens, now}},
		{`ANALYZE`, nil},
	}
	for _, st := range seed {
		if _, err := pool.Exec(ctx, st.sql, st.args...); err != nil {
			t.Fatalf("seed: %v\n%s", err, st.sql)
		}
	}
	return d
}

// tokenOf is the id and fan of the sale's token numbered seq.
func tokenOf(t *testing.T, url string, seq int) (core.ID, core.UserID) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var id string
	if err := conn.QueryRow(context.Background(), `SELECT id FROM queue_tokens WHERE sale_id = $1 AND seq = $2`, string(rushSale), seq).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return core.ID(id), core.UserID(fmt.Sprintf("fan-%d", seq))
}

// Each hot statement touches a bounded number of rows at a rush's scale (100,000 tokens, 20,000
// of them admitted, a 10,000-seat date with 5,000 seats held, 100,000 access codes redeemed and
// solutions spent), on plans PostgreSQL would settle
// on whatever the data (generic plans, which PL/pgSQL and prepared statements use after a few
// calls): a plan that walks a sale's admitted fans, its waiting queue or its seats for one
// fan's request fails here, with the statement and the rows it read. Read from PostgreSQL's own
// executed plans (auto_explain), not timed.
func TestHotStatementsReadBoundedRowsAtRushScale(t *testing.T) {
	if testing.Short() {
		t.Skip("rush-scale plans: skipped in -short mode")
	}
	url := pgtest.Database(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	d := seedRush(t, url, now)
	store, plans := plannedStore(t, url)
	ctx := context.Background()

	winner, winnerUser := tokenOf(t, url, rushActive-1)
	loser, loserUser := tokenOf(t, url, rushActive-2)
	waiting, _ := tokenOf(t, url, rushTokens-1)
	orderer, ordererUser := tokenOf(t, url, rushActive-3)
	placeOrder := func(q booking.OrderRequest) error {
		ids := []core.ID{core.NewID(), core.NewID()}
		o := booking.Order{ID: core.NewID(), UserID: ordererUser, SaleID: rushSale, Date: d, HeldUntil: now.Add(5 * time.Minute), CreatedAt: now}
		_, err := store.Orders.HoldOrder(ctx, booking.OrderAttempt{Request: q, Order: o, IDs: ids, Token: orderer, Now: now, Limit: 4})
		return err
	}
	hold := func(tok core.ID, user core.UserID, seat int) (booking.Reservation, error) {
		return store.Holds.HoldSeat(ctx, booking.HoldAttempt{Token: tok, Now: now, Limit: 4, Hold: booking.Reservation{
			ID: core.NewID(), UserID: user, SaleID: rushSale, Date: d, Seat: seat, Status: booking.Held, HeldUntil: now.Add(5 * time.Minute), CreatedAt: now}})
	}
	codes, err := entry.NewCodes(rushSale, entry.CodeSpec{Count: 1, Uses: 10}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Entry.AddCodes(ctx, codes); err != nil {
		t.Fatal(err)
	}
	presaleJoin := entry.Pass{Presale: true, Code: codes[0].Code,
		Proof: &entry.Solution{Challenge: strings.Repeat("5a", 32), Expires: now.Add(entry.ChallengeTTL)}}
	var won booking.Reservation
	for _, op := range []struct {
		name  string
		bound float64 // rows read, all statements of the operation together
		run   func() error
	}{
		{"issue a token", 50, func() error { _, err := store.Tokens.IssueToken(ctx, rushSale, "newcomer", now); return err }},
		{"a presale join (code, proof)", 60, func() error {
			_, err := store.Tokens.IssueTokenWithPass(ctx, rushSale, "presale-newcomer", presaleJoin, now)
			return err
		}},
		{"read a token", 10, func() error { _, err := store.Tokens.Token(ctx, waiting); return err }},
		{"read the queue's counters", 50, func() error { _, err := store.Tokens.Queue(ctx, rushSale); return err }},
		{"a lost hold", 20, func() error {
			if _, err := hold(loser, loserUser, 1); !errors.Is(err, booking.ErrSeatTaken) {
				return fmt.Errorf("want the seat taken, got %v", err)
			}
			return nil
		}},
		{"a won hold", 80, func() error {
			var err error
			won, err = hold(winner, winnerUser, rushSeats)
			return err
		}},
		// The Floor's seats are all held: the best available passes over none of them.
		{"an order of 2 best available together", 120, func() error {
			return placeOrder(booking.OrderRequest{Wish: catalog.SeatWish{Quantity: 2, Together: true}})
		}},
		{"an order of 2 chosen seats", 120, func() error { return placeOrder(booking.OrderRequest{Seats: []int{rushSeats - 2, rushSeats - 1}}) }},
		{"charge a wallet", 20, func() error { _, err := store.Wallets.Charge(ctx, winnerUser, 40_000, "", now); return err }},
		{"accept a payment", 40, func() error { _, err := store.Holds.AcceptPayment(ctx, won.ID, winnerUser, now); return err }},
		{"a payment", 120, func() error {
			_, err := store.Settlements.SettleAcrossAggregates(ctx, booking.Settlement{ReservationID: won.ID, UserID: winnerUser, PaymentID: core.NewID(), At: now})
			return err
		}},
		{"a fan's own seats of a date", 30, func() error { _, err := store.Seating.SeatsOfFan(ctx, rushSale, d, winnerUser, now); return err }},
		{"a fan's tickets", 40, func() error { _, err := store.TicketBook.Tickets(ctx, rushSale, winnerUser); return err }},
		{"a fan leaves the queue", 20, func() error { _, err := store.Tokens.Leave(ctx, waiting, now); return err }},
		{"an admission round of 100", 800, func() error {
			_, err := store.Tokens.Admit(ctx, rushSale, queue.Round{Batch: 100, MaxActive: 1_000_000, Session: time.Hour, AbandonedBefore: now.Add(-time.Hour), Now: now})
			return err
		}},
	} {
		plans.take()
		if err := op.run(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		executed := plans.take()
		if len(executed) == 0 {
			t.Fatalf("%s: no plan was reported; is auto_explain there?", op.name)
		}
		read, worst := 0.0, executedPlan{}
		for _, p := range executed {
			n := p.Plan.rowsRead()
			read += n
			if n > worst.Plan.rowsRead() {
				worst = p
			}
		}
		t.Logf("%-30s %6.0f rows read in %d statements", op.name, read, len(executed))
		if read > op.bound {
			t.Errorf("%s read %.0f rows at rush scale, over its bound of %.0f; the statement that read most (%.0f):\n%s\nits plan: %s",
				op.name, read, op.bound, worst.Plan.rowsRead(), strings.TrimSpace(worst.Query), worst.Plan.describe(""))
		}
	}
}
