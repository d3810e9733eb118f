package core

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseISODuration reads an ISO 8601 duration of weeks, days, hours, minutes and seconds
// (P2D, PT48H, P1DT12H, PT90M); years and months are refused, having no fixed length.
func ParseISODuration(field, s string) (time.Duration, error) {
	bad := InvalidField(field, "%q is not an ISO 8601 duration of days, hours, minutes and seconds, like P2D or PT48H", s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, bad
	}
	var d time.Duration
	inTime := false
	units := map[bool]map[byte]time.Duration{
		false: {'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour},
		true:  {'H': time.Hour, 'M': time.Minute, 'S': time.Second},
	}
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
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		unit, known := units[inTime][rest[i]]
		if err != nil || !known || n > int64(100*365*24*time.Hour/unit) {
			return 0, bad
		}
		d += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	return d, nil
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
