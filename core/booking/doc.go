// Package booking is where fans hold seats and pay for them: reservations (the API's tickets)
// with the rules of when they may be paid, the hold's lifecycle that releases an unpaid seat at
// its deadline, the one settlement transaction that turns a hold into a sale, and the sweep
// behind it all that releases holds whose own release never ran (or, a second past their
// deadline, has not run yet: the lapse release).
//
// Its use cases, a file each: Bookings, where fans hold (hold.go), pay (payment.go), read their
// tickets (fan_tickets.go) and give them back (refund.go); CheckIns at the gates (checkin.go);
// the Settler the hold's lifecycle calls back (it settles and releases without asking who is
// calling: the lifecycle checked); the ShowCanceller and its Refunder (cancellation.go); and
// the Sweeper with its lapse release (sweeper.go).
package booking
