// Package booking is where fans hold seats and pay for them: reservations (the API's tickets)
// with the rules of when they may be paid, the hold's lifecycle that releases an unpaid seat at
// its deadline, the one settlement transaction that turns a hold into a sale, and the sweep
// behind it all that releases holds whose own release never ran. A payment the API accepted
// before the deadline keeps its hold until its payment deadline (Reservation.PaymentDeadline).
//
// Its use cases, a file each: the SeatHolder, where fans hold seats (hold.go); the Checkout,
// where they pay (payment.go); FanTickets, where they read their tickets (fan_tickets.go);
// Returns, where they give them back (returns.go); CheckIns at the gates (checkin.go);
// the Settler the hold's lifecycle calls back (it settles and releases without asking who is
// calling: the lifecycle checked); the ShowCanceller and its Refunder (cancellation.go); and
// the Sweeper, which the sweep workflow runs (sweeper.go).
package booking
