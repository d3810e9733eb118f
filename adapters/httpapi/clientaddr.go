package httpapi

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// TrustedProxies are the proxies whose X-Forwarded-For the edge believes
// (BOXOFFICE_TRUSTED_PROXIES); empty believes no one's.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma-separated list of CIDRs or single addresses.
func ParseTrustedProxies(spec string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: want a CIDR (10.0.0.0/8) or an address", part)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (t TrustedProxies) trusts(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddress is what every address-based limit counts a request against: the client's IP
// (clientIP), an IPv6 one by its /64. An ISP gives a subscriber at least a /64 (RFC 6177 advises
// more for sites), so counted by /128 one client would have 2^64 allowances.
func (t TrustedProxies) clientAddress(ctx huma.Context) string {
	ip := t.clientIP(ctx)
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() {
		return ip
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// clientIP is the peer's address, or, when the peer is a trusted proxy, the right-most
// X-Forwarded-For entry (all its header lines read as one list) that is not itself a trusted
// proxy. Entries to the left of it were written by the client and prove nothing; with no such
// entry, the peer's.
func (t TrustedProxies) clientIP(ctx huma.Context) string {
	peer := hostOf(ctx.RemoteAddr())
	if len(t) == 0 || !t.trusts(peer) {
		return peer
	}
	var hops []string
	ctx.EachHeader(func(name, value string) {
		if strings.EqualFold(name, "X-Forwarded-For") {
			hops = append(hops, strings.Split(value, ",")...)
		}
	})
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(strings.Trim(hop, "[]"))
		if err != nil {
			return peer // a hop a trusted proxy did not write: believe no further
		}
		if !t.trusts(a.String()) {
			return a.Unmap().String()
		}
	}
	return peer
}

// hostOf is the peer's address without its port, an IPv4-mapped IPv6 one as IPv4, so one client
// counts as one address whichever way its connection came.
func hostOf(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return host
}
