package core

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

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

// ParseID validates a UUID in its canonical lowercase or uppercase text form; field names the
// input it came from.
func ParseID(field, s string) (ID, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", InvalidField(field, "%q is not a UUID", s)
	}
	var b [16]byte
	hexPart := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(b[:], []byte(hexPart)); err != nil {
		return "", InvalidField(field, "%q is not a UUID", s)
	}
	return ID(formatUUID(b)), nil
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}
