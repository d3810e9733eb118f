package entry

import "net/netip"

// quotaAddress is what a join counts against in its address's quota: an IPv4 address itself,
// and an IPv6 one by its /64, the block one subscriber is given (RFC 6177): counted by /128, one
// client with a /64 would have 2^64 quotas. An address that does not parse (a test's name, say)
// counts as itself.
func quotaAddress(address string) string {
	a, err := netip.ParseAddr(address)
	if err != nil {
		return address
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}
