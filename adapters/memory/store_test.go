package memory_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/porttest"
)

func TestContract(t *testing.T) {
	porttest.Run(t, func(*testing.T) porttest.Stores {
		s := memory.NewStore()
		return porttest.Stores{Tokens: s, Catalog: s, Reservations: s, Wallets: s}
	})
}

func BenchmarkStore(b *testing.B) {
	porttest.Bench(b, func(*testing.B) porttest.Stores {
		s := memory.NewStore()
		return porttest.Stores{Tokens: s, Catalog: s, Reservations: s, Wallets: s}
	})
}

func TestLocksContract(t *testing.T) {
	porttest.RunLocks(t, func(*testing.T) core.RequestLocks { return memory.NewLocks() })
}
