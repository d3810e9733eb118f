package entry_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

func TestCodesAreRandomGroupsOfCrockfordBase32(t *testing.T) {
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	codes, err := entry.NewCodes("autumn-nights", entry.CodeSpec{Count: 200}, now)
	if err != nil {
		t.Fatal(err)
	}
	form := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !form.MatchString(c.Code) || seen[c.Code] || c.Uses != 1 || c.UsesLeft != 1 || c.SaleID != "autumn-nights" || !c.ExpiresAt.IsZero() {
			t.Fatalf("code %+v: want a new XXXX-XXXX-XXXX-XXXX of one use, no expiry", c)
		}
		seen[c.Code] = true
		if entry.NormalizeCode(c.Code) != c.Code {
			t.Fatalf("%s normalises to %s", c.Code, entry.NormalizeCode(c.Code))
		}
	}
}

func TestACodeIsReadAsTypedByAFan(t *testing.T) {
	for typed, want := range map[string]string{
		"7kq2m9xd4htbwr3c":    "7KQ2-M9XD-4HTB-WR3C",
		"7KQ2 M9XD 4HTB WR3C": "7KQ2-M9XD-4HTB-WR3C",
		"7kq2-m9xd-4htb-wr3c": "7KQ2-M9XD-4HTB-WR3C",
		"OIL0-0000-0000-0000": "0110-0000-0000-0000",
		"":                    "",
	} {
		if got := entry.NormalizeCode(typed); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestCodeSpecsOutOfRangeAreRefused(t *testing.T) {
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	for name, spec := range map[string]entry.CodeSpec{
		"no codes":       {Count: 0},
		"too many codes": {Count: entry.MaxCodesAtOnce + 1},
		"negative uses":  {Count: 1, Uses: -1},
		"too many uses":  {Count: 1, Uses: entry.MaxCodeUses + 1},
		"expiry now":     {Count: 1, ExpiresAt: now},
		"expiry in past": {Count: 1, ExpiresAt: now.Add(-time.Hour)},
	} {
		if _, err := entry.NewCodes("autumn-nights", spec, now); !errors.Is(err, core.ErrInvalid) {
			t.Errorf("%s: got %v, want an invalid field", name, err)
		}
	}
}

func TestACodeLetsInItsSaleWhileItHasUsesAndTime(t *testing.T) {
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	c := entry.AccessCode{Code: "X", SaleID: "autumn-nights", Uses: 2, UsesLeft: 1, ExpiresAt: now.Add(time.Hour)}
	if err := c.Redeemable("autumn-nights", now); err != nil {
		t.Fatalf("a code with a use left before its expiry: %v", err)
	}
	used, expired := c, c
	used.UsesLeft = 0
	for name, tc := range map[string]struct {
		code entry.AccessCode
		sale core.SaleID
		at   time.Time
	}{
		"another sale's": {c, "winter-lights", now},
		"used up":        {used, "autumn-nights", now},
		"expired":        {expired, "autumn-nights", now.Add(time.Hour)},
	} {
		var refused *entry.CodeError
		if err := tc.code.Redeemable(tc.sale, tc.at); !errors.As(err, &refused) || !errors.Is(err, core.ErrForbidden) {
			t.Errorf("%s: got %v, want a *CodeError (forbidden)", name, err)
		}
	}
}

// A fan who redeemed a code comes back in on it with no use left, while it is the sale's and
// unexpired.
func TestACodeReadmitsItsRedeemerWithoutAUse(t *testing.T) {
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	used := entry.AccessCode{Code: "X", SaleID: "autumn-nights", Uses: 1, UsesLeft: 0, ExpiresAt: now.Add(time.Hour)}
	if err := used.Readmits("autumn-nights", now); err != nil {
		t.Fatalf("its redeemer back on a used-up code: %v", err)
	}
	for name, tc := range map[string]struct {
		sale core.SaleID
		at   time.Time
	}{
		"another sale's": {"winter-lights", now},
		"expired":        {"autumn-nights", now.Add(time.Hour)},
	} {
		var refused *entry.CodeError
		if err := used.Readmits(tc.sale, tc.at); !errors.As(err, &refused) || !errors.Is(err, core.ErrForbidden) {
			t.Errorf("%s: got %v, want a *CodeError (forbidden)", name, err)
		}
	}
}

func TestEntryRulesOutOfRangeAreRefused(t *testing.T) {
	now := time.Date(2030, 9, 1, 12, 0, 0, 0, time.UTC)
	if err := (core.EntryRules{PowMaxNumber: core.MaxPowNumber, PresaleUntil: now.Add(time.Minute)}).Validate(now); err != nil {
		t.Fatalf("the hardest proof and a presale to come: %v", err)
	}
	for name, r := range map[string]core.EntryRules{
		"negative difficulty": {PowMaxNumber: -1},
		"too hard":            {PowMaxNumber: core.MaxPowNumber + 1},
		"presale over":        {PresaleUntil: now},
	} {
		if err := r.Validate(now); !errors.Is(err, core.ErrInvalid) {
			t.Errorf("%s: got %v, want an invalid field", name, err)
		}
	}
	if (core.EntryRules{PresaleUntil: now}).Presale(now) || !(core.EntryRules{PresaleUntil: now.Add(time.Second)}).Presale(now) {
		t.Fatal("a presale lasts until its end, exclusive")
	}
}
