package core

import "time"

// Date is a calendar day of a performance, without time zone.
type Date struct{ t time.Time }

// DateLayout is the wire form of a Date.
const DateLayout = "2006-01-02"

// ParseDate validates a YYYY-MM-DD day.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, InvalidField("date", "%q is not a calendar date in the form YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// DateOf returns the UTC calendar day of t.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return d.t.Format(DateLayout) }

// Time returns midnight UTC of the day.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// Amount is money in the smallest currency unit (KRW won).
type Amount int64

// Clock tells the time; tests control it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC, at the microsecond precision PostgreSQL stores, so a
// time read back from any store equals the one written.
type SystemClock struct{}

// Now returns the current time in UTC, truncated to the microsecond.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
