package entry

import "testing"

func TestQuotaAddressCountsIPv6By64(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":               "192.0.2.1",
		"::ffff:192.0.2.1":        "192.0.2.1", // IPv4-mapped: the IPv4 client
		"2001:db8:1:2::a":         "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":    "2001:db8:1:2::/64",
		"2001:db8:1:3::a":         "2001:db8:1:3::/64",
		"fe80::1%eth0":            "fe80::/64",
		"::1":                     "::/64",
		"not an address (a test)": "not an address (a test)",
	} {
		if got := quotaAddress(in); got != want {
			t.Errorf("quotaAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
