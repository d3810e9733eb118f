package core_test

import (
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// FuzzValidators feeds arbitrary text to every parser of client input: none panics, each
// either accepts (and the value prints back as given) or refuses with an invalid-input error.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"fan-42", "boxoffice-live", "P2DT3H4M5S", "PT0.5S", "2026-12-24", "01a213d3-2b45-7acc-97dd-7067d0ea4c93", "", "2026-02-30", "\x00", "팬", strings.Repeat("x", 65)} {
		f.Add(s)
	}
	userIDs := regexp.MustCompile(core.UserIDPattern)
	keys := regexp.MustCompile(core.IdempotencyKeyPattern)
	sales := regexp.MustCompile(core.SaleIDPattern)
	f.Fuzz(func(t *testing.T, s string) {
		// The schemas' patterns and the parsers accept the same inputs.
		if _, err := core.ParseUserID(s); (err == nil) != (userIDs.MatchString(s) && len(s) <= core.MaxUserIDLength) {
			t.Fatalf("ParseUserID(%q) = %v, but UserIDPattern matches: %v", s, err, userIDs.MatchString(s))
		}
		if _, err := core.ParseIdempotencyKey(s); (err == nil) != (keys.MatchString(s) && len(s) <= core.MaxIdempotencyKeyLength) {
			t.Fatalf("ParseIdempotencyKey(%q) = %v, but IdempotencyKeyPattern matches: %v", s, err, keys.MatchString(s))
		}
		if id, err := core.ParseSaleID("sale_id", s); (err == nil) != sales.MatchString(s) {
			t.Fatalf("ParseSaleID(%q) = %v, but SaleIDPattern matches: %v", s, err, sales.MatchString(s))
		} else if err == nil && string(id) != s {
			t.Fatalf("ParseSaleID(%q) = %q", s, id)
		} else if err != nil && !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("ParseSaleID(%q) error %v is not invalid input", s, err)
		}
		if d, err := core.ParseISODuration("d", s); err == nil {
			if again, err := core.ParseISODuration("d", core.FormatISODuration(d)); err != nil || again != d {
				t.Fatalf("ParseISODuration(%q) = %v, which prints %q and reads back as %v, %v", s, d, core.FormatISODuration(d), again, err)
			}
		} else if !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("ParseISODuration(%q) error %v is not invalid input", s, err)
		}
		if u, err := core.ParseUserID(s); err == nil {
			if string(u) != s {
				t.Fatalf("ParseUserID(%q) = %q", s, u)
			}
		} else if !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("ParseUserID(%q) error %v is not invalid input", s, err)
		}
		if d, err := core.ParseDate(s); err == nil {
			if d.String() != s {
				t.Fatalf("ParseDate(%q) prints %q", s, d)
			}
		} else if !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("ParseDate(%q) error %v is not invalid input", s, err)
		}
		if id, err := core.ParseID("ticket_id", s); err == nil {
			if string(id) != strings.ToLower(s) {
				t.Fatalf("ParseID(%q) = %q, want its canonical form", s, id)
			}
		} else if !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("ParseID(%q) error %v is not invalid input", s, err)
		}
	})
}

// isoDuration is ParseISODuration's grammar written out once more, independently: each
// designator at most once, in order, a T only before a time designator.
var isoDuration = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// FuzzISODuration holds ParseISODuration to that grammar and to exact arithmetic: it accepts
// exactly the durations the grammar reads whose total, summed without overflow, is at most
// MaxISODuration, and returns that total; everything else is refused as invalid input.
func FuzzISODuration(f *testing.F) {
	for _, s := range []string{"P2D", "PT48H", "P1DT12H", "P1W2DT3H4M5S", "PT1S1S", "P36500D36500D36500D36500D36500D36500D",
		"P36500D36500D36500D", "P36500D", "P36501D", "PT9223372036854775807S", "P1DT", "PT", "P1M", "PT0S"} {
		f.Add(s)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := core.ParseISODuration("d", s)
		m := isoDuration.FindStringSubmatch(s)
		if m == nil || s == "P" || strings.HasSuffix(s, "T") {
			if err == nil || !errors.Is(err, core.ErrInvalid) {
				t.Fatalf("ParseISODuration(%q) = %v, %v; want it refused", s, got, err)
			}
			return
		}
		total := new(big.Int)
		for i, unit := range units {
			n, _ := new(big.Int).SetString(m[i+1], 10)
			if n != nil {
				total.Add(total, n.Mul(n, big.NewInt(int64(unit))))
			}
		}
		if total.Cmp(big.NewInt(int64(core.MaxISODuration))) > 0 {
			if err == nil || !strings.Contains(err.Error(), "longer than 100 years") {
				t.Fatalf("ParseISODuration(%q) = %v, %v; want it refused as too long (%v ns)", s, got, err, total)
			}
			return
		}
		if err != nil || int64(got) != total.Int64() {
			t.Fatalf("ParseISODuration(%q) = %v, %v; want %v ns", s, got, err, total)
		}
	})
}
