// Package waitlist is where fans wait for seats of a sold-out date to come back: an entry per
// fan and date, first come, first served; seats that come back go, in the transaction of their
// return, to the first waiting entry they satisfy as an offer, an order held for that fan for
// the offer's time, which they pay as any order (booking.Checkout.PayOrder). The stores make the
// offers (the rule is Offerable, and PostgreSQL's trigger offer_to_waitlist follows it); this
// package's Waitlist is where fans join, read and leave.
package waitlist
