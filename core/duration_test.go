package core_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

func TestISODurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"P2D": 48 * time.Hour, "PT48H": 48 * time.Hour, "P1DT12H": 36 * time.Hour, "PT90M": 90 * time.Minute,
		"P1W": 7 * 24 * time.Hour, "PT0S": 0, "PT1H2M3S": time.Hour + 2*time.Minute + 3*time.Second,
		"P1W2DT3H4M5S": 9*24*time.Hour + 3*time.Hour + 4*time.Minute + 5*time.Second,
		"P36500D":      core.MaxISODuration, "PT876000H": core.MaxISODuration, "P5214W2D": core.MaxISODuration, "P007D": 7 * 24 * time.Hour,
	} {
		if got, err := core.ParseISODuration("d", in); err != nil || got != want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "2D", "P1M", "P1Y", "PT1D", "P1H", "P-1D", "P1.5D", "PT1H1", "P1DT", "PT+1S", "p1d", "P1D ",
		// One value per designator, in order: a repeated or reordered one is no duration.
		"PT1S1S", "P1D1D", "P36500D36500D36500D", "P36500D36500D36500D36500D36500D36500D", "PT1M1H", "P1D1W", "PT1H1H", "P1DT1HT1M"} {
		_, err := core.ParseISODuration("d", bad)
		var field *core.InvalidFieldError
		if !errors.As(err, &field) || field.Field != "d" || !strings.Contains(field.Reason, "each at most once and in that order") {
			t.Errorf("ParseISODuration(%q) = %v, want it refused as no ISO 8601 duration", bad, err)
		}
	}
	// Bounded, so no sum of designators wraps around.
	for _, long := range []string{"P36501D", "P36500DT1S", "PT876001H", "P99999999999D", "P5214W3D", "P1WT9223372036854775807S",
		"P9999999999999999999999D", "P36500DT876000H"} {
		_, err := core.ParseISODuration("d", long)
		if err == nil || !strings.Contains(err.Error(), "longer than 100 years") {
			t.Errorf("ParseISODuration(%q) = %v, want it refused as longer than 100 years", long, err)
		}
	}
	for d, want := range map[time.Duration]string{0: "PT0S", 150 * time.Second: "PT2M30S", 48 * time.Hour: "PT48H", 1500 * time.Millisecond: "PT2S", -time.Second: "PT0S"} {
		if got := core.FormatISODuration(d); got != want {
			t.Errorf("FormatISODuration(%v) = %q, want %q", d, got, want)
		}
	}
}
