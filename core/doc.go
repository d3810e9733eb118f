// Package core is boxoffice's domain. Each context is a package of its own, holding its types,
// rules, errors, the ports it needs and its use cases:
//
//	queue    queue tokens, gap-free numbering, admission, estimates, the opening draw
//	catalog  performances and their seats
//	booking  holds, payments and receipts, the reservation's rules, the overdue-hold sweep
//	wallet   prepaid balances, their ledger and idempotent charges
//	waitlist fans waiting for seats of a sold-out date, and the rule of an offer
//	webhook  the events of every change (an outbox), the operators' endpoints, their deliveries
//
// This package holds what they share: ids, user ids, dates, money, the clock, the caller a
// verified token speaks for, idempotency keys and the error classes. Everything under core
// imports only the standard library and core itself; adapters implement the ports, and cmd
// wires them.
package core
