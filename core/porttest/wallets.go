package porttest

import (
	"errors"
	"testing"

	"github.com/boxoffice/boxoffice/core"
)

func runWallets(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("a new user has 0", func(t *testing.T) {
		if bal := must[core.Amount](t)(newStores(t).Wallets.Balance(ctx, "nobody")); bal != 0 {
			t.Fatalf("balance %d", bal)
		}
	})

	t.Run("race: 100 concurrent charges of 1000", func(t *testing.T) {
		w := newStores(t).Wallets
		concurrently(100, func(int) {
			if _, err := w.Charge(ctx, "dave", 1_000, "", epoch); err != nil {
				t.Error(err)
			}
		})
		if bal := must[core.Amount](t)(w.Balance(ctx, "dave")); bal != 100_000 {
			t.Fatalf("balance %d, want exactly 100000", bal)
		}
	})

	t.Run("a keyed charge happens once; the key is the user's own", func(t *testing.T) {
		w := newStores(t).Wallets
		first := must[core.Amount](t)(w.Charge(ctx, "erin", 5_000, "k1", epoch))
		again := must[core.Amount](t)(w.Charge(ctx, "erin", 5_000, "k1", epoch))
		if first != 5_000 || again != 5_000 {
			t.Fatalf("charge and replay returned %d and %d, want 5000 twice", first, again)
		}
		must[core.Amount](t)(w.Charge(ctx, "erin", 1_000, "", epoch))
		if replay := must[core.Amount](t)(w.Charge(ctx, "erin", 5_000, "k1", epoch)); replay != 5_000 {
			t.Fatalf("a later replay returned %d, want the first answer 5000", replay)
		}
		_, err := w.Charge(ctx, "erin", 7_000, "k1", epoch)
		wantErr(t, err, core.ErrIdempotencyMismatch)
		if other := must[core.Amount](t)(w.Charge(ctx, "frank", 5_000, "k1", epoch)); other != 5_000 {
			t.Fatalf("frank's charge with erin's key returned %d", other)
		}
		if bal := must[core.Amount](t)(w.Balance(ctx, "erin")); bal != 6_000 {
			t.Fatalf("erin's balance %d, want 6000", bal)
		}
	})

	t.Run("race: 50 concurrent retries of one keyed charge credit once", func(t *testing.T) {
		w := newStores(t).Wallets
		concurrently(50, func(int) {
			bal, err := w.Charge(ctx, "gina", 3_000, "once", epoch)
			if !errors.Is(err, core.ErrRequestInFlight) && (err != nil || bal != 3_000) {
				t.Errorf("retry answered %d, %v; want the first answer 3000 or in flight", bal, err)
			}
		})
		if bal := must[core.Amount](t)(w.Balance(ctx, "gina")); bal != 3_000 {
			t.Fatalf("balance %d, want exactly one charge of 3000", bal)
		}
	})
}
