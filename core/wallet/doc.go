// Package wallet is the fans' prepaid money: a non-negative balance per fan and an append-only
// ledger that reconciles to it, charged by idempotent top-ups and debited by payments.
package wallet
