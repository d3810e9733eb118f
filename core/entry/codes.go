package entry

import (
	"crypto/rand"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// MaxCodesAtOnce bounds the codes one request makes, and MaxCodeUses one code's uses.
const (
	MaxCodesAtOnce = 10_000
	MaxCodeUses    = 1_000_000
)

// AccessCode lets fans into a sale's queue during its presale: Uses fans in all, until
// ExpiresAt (zero: until the presale ends). Each fan who redeems it takes one of UsesLeft, once:
// a fan whose token ended (their turn came and went, or they left) comes back in on a code they
// redeemed without taking another use.
type AccessCode struct {
	Code      string
	SaleID    core.SaleID
	Uses      int
	UsesLeft  int
	ExpiresAt time.Time
	CreatedAt time.Time
}

// CodeSpec is what an operator asks for: Count codes of Uses uses each (0: one), until
// ExpiresAt (zero: no expiry of their own).
type CodeSpec struct {
	Count     int
	Uses      int
	ExpiresAt time.Time
}

// NewCodes validates spec at now and returns its codes for sale, unused.
func NewCodes(sale core.SaleID, spec CodeSpec, now time.Time) ([]AccessCode, error) {
	if spec.Uses == 0 {
		spec.Uses = 1
	}
	switch {
	case spec.Count < 1 || spec.Count > MaxCodesAtOnce:
		return nil, core.InvalidField("count", "must be 1 to %d", MaxCodesAtOnce)
	case spec.Uses < 1 || spec.Uses > MaxCodeUses:
		return nil, core.InvalidField("uses", "must be 1 to %d; leave it out for one use", MaxCodeUses)
	case !spec.ExpiresAt.IsZero() && !spec.ExpiresAt.After(now):
		return nil, core.InvalidField("expires_at", "must be in the future; leave it out for codes good while the presale lasts")
	}
	codes := make([]AccessCode, spec.Count)
	for i := range codes {
		codes[i] = AccessCode{Code: newCode(), SaleID: sale, Uses: spec.Uses, UsesLeft: spec.Uses, ExpiresAt: spec.ExpiresAt, CreatedAt: now}
	}
	return codes, nil
}

// CheckBatch refuses codes that NewCodes did not make in one call: one sale, expiry and
// creation time. Stores add codes a batch at a time (Store.AddCodes).
func CheckBatch(codes []AccessCode) error {
	for _, c := range codes {
		if c.SaleID != codes[0].SaleID || !c.ExpiresAt.Equal(codes[0].ExpiresAt) || !c.CreatedAt.Equal(codes[0].CreatedAt) {
			return errors.New("add codes: one call adds codes of one sale, expiry and creation time, as NewCodes makes them")
		}
	}
	return nil
}

// codeAlphabet is Crockford's base 32: no I, L, O or U, so a code read aloud or typed from a
// printed card is hard to get wrong.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newCode is 16 random characters (80 bits) in four groups: XXXX-XXXX-XXXX-XXXX. Guessing one
// among a million codes takes about 2^60 tries.
func newCode() string {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	out := make([]byte, 0, 19)
	for i, b := range raw {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[b%32])
	}
	return string(out)
}

// NormalizeCode is a code as stored: upper case, the letters Crockford reads as digits read so
// (O as 0, I and L as 1), and dashes where newCode puts them, so a fan's typing matches.
func NormalizeCode(s string) string {
	out := make([]byte, 0, 19)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == '-' || c == ' ':
			continue
		}
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if len(out) > 0 && len(out)%5 == 4 {
			out = append(out, '-')
		}
		out = append(out, c)
	}
	return string(out)
}

// Redeemable reports whether the code lets a fan who has not redeemed it yet into sale at now,
// taking one of its uses, and if not, why.
func (c AccessCode) Redeemable(sale core.SaleID, now time.Time) error {
	if err := c.Readmits(sale, now); err != nil {
		return err
	}
	if c.UsesLeft < 1 {
		return &CodeError{Reason: "the access code is used up"}
	}
	return nil
}

// Readmits reports whether the code lets back into sale at now a fan who redeemed it before,
// which takes no use, and if not, why.
func (c AccessCode) Readmits(sale core.SaleID, now time.Time) error {
	switch {
	case c.SaleID != sale:
		return &CodeError{Reason: "the access code is not this sale's"}
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		return &CodeError{Reason: "the access code has expired"}
	}
	return nil
}

// ErrUnknownCode is a code nobody made.
var ErrUnknownCode error = &CodeError{Reason: "no such access code; check it, or wait for the public sale"}

// ErrNoCode is a presale join without a code.
var ErrNoCode error = &CodeError{Reason: "send yours in access_code, or wait for the public sale"}
