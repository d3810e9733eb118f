package core

// SeatStatus is what a fan sees of a seat: available, or reserved (held or sold).
// A hold whose deadline has passed counts as available even before its release has run.
type SeatStatus struct{ name string }

// Seat statuses as shown to fans.
var (
	SeatAvailable = SeatStatus{"available"}
	SeatReserved  = SeatStatus{"reserved"}
)

func (s SeatStatus) String() string { return s.name }

// DefaultSeatsPerPerformance is N in seats 1..N.
const DefaultSeatsPerPerformance = 50

// Performance is one date of a concert.
type Performance struct {
	Date    Date
	Concert string
	Price   Amount
	Seats   int // seats are numbered 1..Seats
}

// HasSeat reports whether seat n exists at this performance.
func (p Performance) HasSeat(n int) bool { return n >= 1 && n <= p.Seats }

// Seat is one seat of a performance as a fan sees it.
type Seat struct {
	No     int
	Status SeatStatus
}
