package porttest

import (
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
			if _, err := w.Charge(ctx, "dave", 1_000, epoch); err != nil {
				t.Error(err)
			}
		})
		if bal := must[core.Amount](t)(w.Balance(ctx, "dave")); bal != 100_000 {
			t.Fatalf("balance %d, want exactly 100000", bal)
		}
	})
}
