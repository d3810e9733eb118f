package postgres_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/core/porttest"
)

func TestContract(t *testing.T) {
	porttest.Run(t, func(t *testing.T) porttest.Stores {
		s := postgres.NewStore(pgtest.Pool(t))
		return porttest.Stores{Tokens: s, Catalog: s, Reservations: s, Wallets: s}
	})
}

func BenchmarkStore(b *testing.B) {
	porttest.Bench(b, func(b *testing.B) porttest.Stores {
		s := postgres.NewStore(pgtest.Pool(b))
		return porttest.Stores{Tokens: s, Catalog: s, Reservations: s, Wallets: s}
	})
}
