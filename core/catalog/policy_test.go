package catalog_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core/app"
)

// A staleness outside 0 to 5 s is refused.
func TestSeatsStalenessIsBounded(t *testing.T) {
	for _, d := range []time.Duration{-time.Millisecond, 5*time.Second + 1} {
		p := app.DefaultPolicy
		p.Catalog.SeatsStaleness = d
		if err := p.Catalog.Validate(); err == nil {
			t.Errorf("staleness %s accepted", d)
		}
	}
}
