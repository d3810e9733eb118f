package webhook

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/core"
)

// Destinations are where endpoints may point: public addresses over https, and the hosts an
// operator allows (BOXOFFICE_WEBHOOK_ALLOW: host names and CIDRs) over http or https whatever
// their address, for tests and private networks. The URL is checked when an endpoint is
// registered and every address it resolves to when a delivery connects (DialAllowed), so a
// name that later resolves to a private address reaches nothing.
type Destinations struct {
	hosts    []string
	prefixes []netip.Prefix
}

// ParseDestinations reads an allow list: comma-separated host names and CIDRs (an address
// alone is one address's CIDR); empty allows public addresses only.
func ParseDestinations(list string) (Destinations, error) {
	var d Destinations
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			continue
		case strings.Contains(item, "/"):
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return Destinations{}, fmt.Errorf("webhook allow list: %q is not a CIDR: %w", item, err)
			}
			d.prefixes = append(d.prefixes, p.Masked())
		default:
			if a, err := netip.ParseAddr(item); err == nil {
				d.prefixes = append(d.prefixes, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			d.hosts = append(d.hosts, strings.ToLower(item))
		}
	}
	return d, nil
}

// CheckURL validates an endpoint's URL; field names the input it came from.
func (d Destinations) CheckURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || !u.IsAbs() {
		return core.InvalidField(field, "%q is not an absolute URL", raw)
	}
	if u.User != nil {
		return core.InvalidField(field, "must not carry credentials; the requests are signed with the endpoint's secret")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return core.InvalidField(field, "port %q is not 1 to 65535", port)
		}
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return core.InvalidField(field, "scheme %q is not allowed; use https", u.Scheme)
	}
	host := strings.ToLower(u.Hostname())
	if d.allowsHost(host) {
		return nil
	}
	if u.Scheme != "https" {
		return core.InvalidField(field, "must use https (http only for a host in BOXOFFICE_WEBHOOK_ALLOW)")
	}
	if a, err := netip.ParseAddr(host); err == nil && !Public(a) {
		return core.InvalidField(field, "%s is not a public address (loopback, private and link-local ones only for a host in BOXOFFICE_WEBHOOK_ALLOW)", a)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return core.InvalidField(field, "%s is a loopback name (allowed only through BOXOFFICE_WEBHOOK_ALLOW)", host)
	}
	return nil
}

// DialAllowed reports whether a delivery to host may connect to address a: the host is
// allowed (by name, or an address literal in an allowed CIDR), or the address is public. A name
// that merely resolves into an allowed CIDR is not: the list allows hosts, not whatever a DNS
// answer points there.
func (d Destinations) DialAllowed(host string, a netip.Addr) error {
	a = a.Unmap()
	if d.allowsHost(strings.ToLower(host)) || Public(a) {
		return nil
	}
	return fmt.Errorf("%s resolves to %s, which is not a public address; add the host to BOXOFFICE_WEBHOOK_ALLOW to reach it", host, a)
}

func (d Destinations) allowsHost(host string) bool {
	if slices.Contains(d.hosts, host) {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && d.allowsAddr(a.Unmap())
}

func (d Destinations) allowsAddr(a netip.Addr) bool {
	for _, p := range d.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// special are ranges of IANA's special-purpose registries that netip's predicates do not
// cover: not the internet, or a way to reach an IPv4 address through IPv6 (NAT64, 6to4,
// Teredo) that could be a private one.
var special = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8",       // this network
		"100.64.0.0/10",   // carriers' NAT (RFC 6598)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved
		"64:ff9b::/96",    // NAT64, whose IPv4 address may be private
		"64:ff9b:1::/48",  // local NAT64
		"100::/64",        // discard
		"2001::/32",       // Teredo
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// Public reports whether a is an address of the internet: a global unicast address, not
// private, link-local, or of a special-purpose range (special).
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
