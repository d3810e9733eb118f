package core_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

func TestISODurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"P2D": 48 * time.Hour, "PT48H": 48 * time.Hour, "P1DT12H": 36 * time.Hour, "PT90M": 90 * time.Minute,
		"P1W": 7 * 24 * time.Hour, "PT0S": 0, "PT1H2M3S": time.Hour + 2*time.Minute + 3*time.Second,
	} {
		if got, err := core.ParseISODuration("d", in); err != nil || got != want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "2D", "P1M", "P1Y", "PT1D", "P1H", "P-1D", "P1.5D", "PT1H1", "P99999999999D"} {
		if _, err := core.ParseISODuration("d", bad); err == nil {
			t.Errorf("ParseISODuration(%q) accepted", bad)
		}
	}
	for d, want := range map[time.Duration]string{0: "PT0S", 150 * time.Second: "PT2M30S", 48 * time.Hour: "PT48H", 1500 * time.Millisecond: "PT2S", -time.Second: "PT0S"} {
		if got := core.FormatISODuration(d); got != want {
			t.Errorf("FormatISODuration(%v) = %q, want %q", d, got, want)
		}
	}
}
