package waitlist

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// Store keeps the entries; it makes the offers itself, in the transactions that free seats.
type Store interface {
	// JoinWaitlist stores a waiting entry, unless the fan has one waiting or offered for the date
	// (ErrAlreadyWaiting) or the date has at least e.Quantity seats of its kind free at now
	// (*SeatsAvailableError), decided under the date's lock against the offers. It returns the
	// entry with its position.
	JoinWaitlist(ctx context.Context, e Entry, now time.Time) (Entry, error)
	// WaitlistEntries lists the fan's entries in the sale, oldest first, the waiting ones with their
	// positions.
	WaitlistEntries(ctx context.Context, sale core.SaleID, user core.UserID) ([]Entry, error)
	// LeaveWaitlist ends the fan's entry (Left): a waiting one leaves the line, an offered one's order
	// is released at once and its seats offered on; one left already stays so. ErrEntryEnded for
	// one claimed or expired; ErrUnknownEntry for an unknown entry or another fan's.
	LeaveWaitlist(ctx context.Context, id core.ID, user core.UserID) error
	// WaitlistCounts counts every sale's entries by status.
	WaitlistCounts(ctx context.Context) (map[core.SaleID]map[Status]int, error)
	Lines
}

// Lines are the waiting entries of each date in order: what a fan's place in line is counted
// from. A copy kept in process (adapters/cache) serves the fans' polls, so a poll's cost does
// not grow with how many wait.
type Lines interface {
	// WaitingSeqs lists the Seq of every waiting entry of a date, in order.
	WaitingSeqs(ctx context.Context, sale core.SaleID, d core.Date) ([]int64, error)
}
