package memory_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core/porttest"
)

func TestContract(t *testing.T) {
	porttest.Run(t, func(*testing.T) porttest.Stores { return porttest.All(memory.NewStore()) })
}

func BenchmarkStore(b *testing.B) {
	porttest.Bench(b, func(*testing.B) porttest.Stores { return porttest.All(memory.NewStore()) })
}
