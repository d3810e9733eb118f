package catalog_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// An operator's change that could never take effect is refused as a conflict saying why, and
// changes nothing: a price for a cancelled, past or closed sale's performance, a per-fan limit
// for a closed sale.
func TestChangesThatCannotTakeEffectAreRefused(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	admin := w.Catalog.Admin
	if _, err := admin.CreateSale(ctx, concert()); err != nil {
		t.Fatal(err)
	}
	const sale core.SaleID = "autumn-nights"
	refused := func(err error, says string) {
		t.Helper()
		if !errors.Is(err, core.ErrConflict) || !strings.Contains(err.Error(), says) {
			t.Fatalf("%v, want a conflict saying %q", err, says)
		}
	}
	if _, err := w.Booking.ShowCanceller.Cancel(ctx, sale, "2030-09-01"); err != nil {
		t.Fatal(err)
	}
	_, err := admin.RepriceSection(ctx, sale, "2030-09-01", "Floor", 1_000)
	refused(err, "this performance was cancelled: its seats are not for sale, so a new price would never apply")
	if n, err := admin.RepriceSection(ctx, sale, "2030-09-02", "Floor", 1_000); err != nil || n != 20 {
		t.Fatalf("repricing the date still on: %d, %v", n, err)
	}

	w.Clock.Advance(time.Date(2030, 9, 3, 0, 0, 0, 0, time.UTC).Sub(apptest.Start))
	_, err = admin.RepriceSection(ctx, sale, "2030-09-02", "Floor", 2_000)
	refused(err, "this performance has passed")

	limit, closed := 3, core.Closed
	if _, err := admin.ChangeSale(ctx, sale, catalog.SaleChange{State: &closed}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.RepriceSection(ctx, sale, "2030-09-02", "Floor", 2_000)
	refused(err, "the sale has closed")
	_, err = admin.ChangeSale(ctx, sale, catalog.SaleChange{MaxTicketsPerFan: &limit})
	refused(err, "max_tickets_per_fan would never apply")
	same := catalog.DefaultMaxTicketsPerFan
	if _, err := admin.ChangeSale(ctx, sale, catalog.SaleChange{MaxTicketsPerFan: &same, State: &closed}); err != nil {
		t.Fatalf("repeating a closed sale's limit and state: %v", err)
	}
	r, _ := admin.Report(ctx, sale)
	if floor, _ := r.Performances[1].Section("Floor"); floor.Price != 1_000 || r.Sale.MaxTicketsPerFan != catalog.DefaultMaxTicketsPerFan {
		t.Fatalf("refused changes changed the sale: Floor at %d, limit %d", floor.Price, r.Sale.MaxTicketsPerFan)
	}
}
