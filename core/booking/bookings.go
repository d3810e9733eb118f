package booking

import (
	"github.com/boxoffice/boxoffice/core"
)

// Bookings is where admitted fans hold seats and pay for them, see what they hold and bought, and
// give tickets back.
type Bookings struct {
	store       Store
	settlements Settlements
	lifecycle   Lifecycle
	gate        Gate
	offers      Offers
	balances    Balances
	clock       core.Clock
	policy      Policy
	requests    *core.KeyedRequests
	observer    Observer
}
