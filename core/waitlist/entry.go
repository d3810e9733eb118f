package waitlist

import (
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// Status is where an entry stands: waiting → offered → claimed (paid) or expired (the offer
// ran out or was given back, or the fan's limit no longer allowed it); left when the fan left.
type Status struct{ name string }

// Entry statuses.
var (
	Waiting = Status{"waiting"}
	Offered = Status{"offered"}
	Claimed = Status{"claimed"}
	Expired = Status{"expired"}
	Left    = Status{"left"}
)

func (s Status) String() string { return s.name }

// ParseStatus reads a status as the stores write it.
func ParseStatus(s string) (Status, error) {
	for _, st := range []Status{Waiting, Offered, Claimed, Expired, Left} {
		if st.name == s {
			return st, nil
		}
	}
	return Status{}, core.InvalidField("status", "%q is not a waitlist status", s)
}

// Entry is a fan waiting for seats of a date of a sale: quantity of them, in a section or any.
type Entry struct {
	ID       core.ID
	SaleID   core.SaleID
	UserID   core.UserID
	Date     core.Date
	Quantity int
	// Section is the section asked for; empty: any.
	Section string
	Status  Status
	// Seq is the entry's place in the order of joining, which the store numbers.
	Seq      int64
	JoinedAt time.Time
	// OfferTTL is how long an offer made to the entry is held.
	OfferTTL time.Duration
	// Position counts the waiting entries of the date that joined earlier, while it waits
	// (Waitlist reads it from Lines).
	Position int
	// OrderID and OfferExpires are the offer's, once it was made.
	OrderID      core.ID
	OfferExpires time.Time
}

// Wants reports whether seat, of section, is of the kind the entry asks for.
func (e Entry) Wants(section string) bool { return e.Section == "" || e.Section == section }

// Offerable reports whether an offer of seats (free seats of the entry's kind, in seat order)
// can go to the entry whose fan counts count in the sale under limit: enough seats, and room
// under the limit (booking.TicketCount.AllowsMore, counting holds as keep_won_seats does). ok
// false with skip true means the limit no longer allows it: the entry expires.
func (e Entry) Offerable(seats int, count booking.TicketCount, limit int) (ok, skip bool) {
	if seats < e.Quantity {
		return false, false
	}
	if count.Held+count.Paid+e.Quantity > limit {
		return false, true
	}
	return true, false
}
