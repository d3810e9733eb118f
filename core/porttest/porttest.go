// Package porttest is the contract every implementation of core's driven stores must pass.
// adapters/memory and adapters/postgres run it alike, races included.
package porttest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// Stores are the store of each context under test (app.Stores), as Store.Stores() gives them.
type Stores = app.Stores

// Run runs the whole contract; newStores must return empty, independent stores for each call.
// Most clauses run in one sale, testSale, created before each; the sales clauses make their own.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	inSale := func(t *testing.T) Stores {
		s := newStores(t)
		createSale(t, s, testSale)
		return s
	}
	t.Run("tokens", func(t *testing.T) { runTokens(t, inSale) })
	t.Run("catalog", func(t *testing.T) { runCatalog(t, inSale) })
	t.Run("sales", func(t *testing.T) { runSales(t, newStores) })
	t.Run("reservations", func(t *testing.T) { runReservations(t, inSale) })
	t.Run("settlement", func(t *testing.T) { runSettlement(t, inSale) })
	t.Run("orders", func(t *testing.T) { runOrders(t, inSale) })
	t.Run("order settlement", func(t *testing.T) { runOrderSettlement(t, inSale) })
	t.Run("order limits", func(t *testing.T) { runOrderLimits(t, inSale) })
	t.Run("payment acceptance", func(t *testing.T) { runPaymentAcceptance(t, inSale) })
	t.Run("tickets", func(t *testing.T) { runTickets(t, inSale) })
	t.Run("cancellation", func(t *testing.T) { runCancellation(t, inSale) })
	t.Run("wallets", func(t *testing.T) { runWallets(t, inSale) })
	t.Run("webhooks", func(t *testing.T) { runWebhooks(t, inSale) })
	t.Run("waitlist", func(t *testing.T) { runWaitlist(t, inSale) })
	t.Run("entry", func(t *testing.T) { runEntry(t, inSale) })
}

// testSale is the sale most clauses run in.
const testSale core.SaleID = "porttest-sale"

// createSale stores an on-sale sale without performances, its limit far above any clause's.
func createSale(t testing.TB, s Stores, id core.SaleID) catalog.Sale {
	t.Helper()
	sale := catalog.Sale{ID: id, Title: "Sale " + string(id), Venue: "Test Hall", State: core.OnSale, MaxTicketsPerFan: noCap, CreatedAt: epoch}
	if err := s.Catalog.CreateSale(ctx, sale, nil); err != nil {
		t.Fatal(err)
	}
	return sale
}

// epoch is the suite's "now": microsecond precision, as PostgreSQL stores it.
var epoch = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// day parses a date the suite writes as a literal; a typo there is a bug in the suite.
func day(s string) core.Date {
	d, err := core.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// concurrently runs f(i) for i in [0,n) at once and waits for all.
func concurrently(n int, f func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			f(i)
		}()
	}
	start.Done()
	done.Wait()
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

var ctx = context.Background()

// noCap lets a test hold as many seats per user as it likes.
const noCap = 1 << 30
