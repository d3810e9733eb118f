package core

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// UserID identifies a fan. It is chosen by the client: 1 to 64 characters from
// letters, digits and . _ @ -
type UserID string

// MaxUserIDLength is the longest user id accepted.
const MaxUserIDLength = 64

// ParseUserID validates a client-supplied user id.
func ParseUserID(s string) (UserID, error) {
	if len(s) == 0 || len(s) > MaxUserIDLength {
		return "", invalidField("user_id", "must be 1 to %d characters long", MaxUserIDLength)
	}
	for i := 0; i < len(s); i++ {
		if !userIDChar(s[i]) {
			return "", invalidField("user_id", "character %q at position %d is not allowed; use letters, digits and . _ @ -", s[i], i)
		}
	}
	return UserID(s), nil
}

func userIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '@' || c == '-'
}

// Date is a calendar day of a performance, without time zone.
type Date struct{ t time.Time }

// DateLayout is the wire form of a Date.
const DateLayout = "2006-01-02"

// ParseDate validates a YYYY-MM-DD day.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, invalidField("date", "%q is not a calendar date in the form YYYY-MM-DD", s)
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

// MaxCharge is the largest single top-up: 10,000,000 won.
const MaxCharge Amount = 10_000_000

// ParseCharge validates the amount of a top-up.
func ParseCharge(n int64) (Amount, error) {
	if n < 1 || Amount(n) > MaxCharge {
		return 0, invalidField("amount", "must be a whole number of won from 1 to %d", MaxCharge)
	}
	return Amount(n), nil
}

// ID is a UUID (version 7: time-ordered, so new rows land at the end of an index).
type ID string

// NewID returns a fresh UUIDv7.
func NewID() ID {
	var b [16]byte
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails (Go 1.24+)
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(time.Now().UnixMilli()))
	copy(b[:6], ms[2:])
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return ID(formatUUID(b))
}

// ParseID validates a UUID in its canonical lowercase or uppercase text form.
func ParseID(field, s string) (ID, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", invalidField(field, "%q is not a UUID", s)
	}
	var b [16]byte
	hexPart := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(b[:], []byte(hexPart)); err != nil {
		return "", invalidField(field, "%q is not a UUID", s)
	}
	return ID(formatUUID(b)), nil
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// IdempotencyKey names one client request so that retrying it changes nothing twice. Empty
// means the request carries none.
type IdempotencyKey string

// MaxIdempotencyKeyLength is the longest key accepted.
const MaxIdempotencyKeyLength = 255

// ParseIdempotencyKey validates an Idempotency-Key header: empty, or 1 to 255 visible ASCII characters.
func ParseIdempotencyKey(s string) (IdempotencyKey, error) {
	if len(s) > MaxIdempotencyKeyLength {
		return "", invalidField("Idempotency-Key", "must be at most %d characters", MaxIdempotencyKeyLength)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return "", invalidField("Idempotency-Key", "must be visible ASCII characters (a UUID is a good key)")
		}
	}
	return IdempotencyKey(s), nil
}
