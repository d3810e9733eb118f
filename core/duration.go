package core

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxISODuration bounds every ISO 8601 duration read: 100 years (P36500D), longer than any
// field takes (each caller bounds its own further) and far from where a time.Duration
// overflows (292 years), so no sum of designators can wrap around.
const MaxISODuration = 36500 * 24 * time.Hour

// isoDesignators are a duration's designators in the order ISO 8601 writes them: weeks and
// days before the T, hours, minutes and seconds after it.
var isoDesignators = []struct {
	symbol byte
	inTime bool
	unit   time.Duration
}{
	{'W', false, 7 * 24 * time.Hour}, {'D', false, 24 * time.Hour},
	{'H', true, time.Hour}, {'M', true, time.Minute}, {'S', true, time.Second},
}

// ParseISODuration reads an ISO 8601 duration of whole weeks, days, hours, minutes and seconds
// (P2D, PT48H, P1DT12H, PT90M), each designator at most once and in that order, up to
// MaxISODuration; years and months are refused, having no fixed length.
func ParseISODuration(field, s string) (time.Duration, error) {
	bad := InvalidField(field, "%q is not an ISO 8601 duration: write whole numbers of weeks, days, hours, minutes and seconds, "+
		"each at most once and in that order, like P2D, PT48H or P1DT12H", s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, bad
	}
	var total time.Duration
	next, inTime := 0, false // next: the first designator still allowed
	for rest != "" {
		if rest[0] == 'T' {
			if inTime || len(rest) == 1 {
				return 0, bad
			}
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return 0, bad
		}
		d := next
		for d < len(isoDesignators) && (isoDesignators[d].symbol != rest[i] || isoDesignators[d].inTime != inTime) {
			d++
		}
		if d == len(isoDesignators) {
			return 0, bad
		}
		// The term and the sum so far are each within MaxISODuration, so adding cannot overflow.
		unit := isoDesignators[d].unit
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n > int64(MaxISODuration/unit) || total+time.Duration(n)*unit > MaxISODuration {
			return 0, tooLong(field, s)
		}
		total += time.Duration(n) * unit
		next, rest = d+1, rest[i+1:]
	}
	return total, nil
}

func tooLong(field, s string) error {
	return InvalidField(field, "%q is longer than 100 years (P36500D), more than any duration here may be", s)
}

// FormatISODuration writes d, rounded up to the second, as an ISO 8601 duration of hours,
// minutes and seconds: PT48H, PT2M30S, PT0S.
func FormatISODuration(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	if secs <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := secs / 3600; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := secs % 3600 / 60; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := secs % 60; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}
