package memory_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core/porttest"
)

func TestContract(t *testing.T) {
	porttest.Run(t, func(*testing.T) porttest.Stores { return memory.NewStore().Stores() })
}

func BenchmarkStore(b *testing.B) {
	porttest.Bench(b, func(*testing.B) porttest.Stores { return memory.NewStore().Stores() })
}
