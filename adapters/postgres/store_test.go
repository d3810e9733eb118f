package postgres_test

import (
	"context"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core/porttest"
)

// newStore is a store on a fresh database, closed before its pool when the test ends.
func newStore(t testing.TB) *postgres.Store {
	s := postgres.NewStore(pgtest.Pool(t))
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	porttest.Run(t, func(t *testing.T) porttest.Stores { return newStore(t).Stores() })
}

func BenchmarkStore(b *testing.B) {
	porttest.Bench(b, func(b *testing.B) porttest.Stores { return newStore(b).Stores() })
}

// BenchmarkOrders compares the best available on a date of 1,000 seats and one of 100,000, each
// half held.
func BenchmarkOrders(b *testing.B) {
	porttest.BenchOrders(b, func(b *testing.B) porttest.Stores { return newStore(b).Stores() }, 1_000, 100_000)
}

func BenchmarkAfterPayment(b *testing.B) {
	porttest.BenchAfterPayment(b, func(b *testing.B) porttest.Stores { return newStore(b).Stores() })
}
