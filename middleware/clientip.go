package middleware

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ProxyHeader names the header a trusted reverse proxy uses to pass on the
// client's address.
type ProxyHeader int

const (
	// XForwardedFor reads X-Forwarded-For, as nginx sets it with
	// proxy_add_x_forwarded_for. It is the default.
	XForwardedFor ProxyHeader = iota
	// Forwarded reads the for= parameters of the RFC 7239 Forwarded header.
	Forwarded
)

// maxHops bounds how many proxy hops ClientIP looks at.
const maxHops = 32

// ClientIP returns the address of the client that sent r, read from
// X-Forwarded-For when the socket peer is a trusted proxy. It is
// ClientIPFrom(r, trusted, XForwardedFor).
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	return ClientIPFrom(r, trusted, XForwardedFor)
}

// ClientIPFrom returns the address of the client that sent r.
//
// Without trusted proxies, or when the socket peer (r.RemoteAddr) is not
// one of them, it is the socket peer: headers are ignored, since any client
// can write them. When the peer is a trusted proxy, the hops listed in
// header are walked from the right (the entry the nearest proxy added) and
// the first address that is not a trusted proxy is the client. When every
// hop is trusted, the leftmost is returned; an entry that is not an address
// ("unknown", an obfuscated Forwarded identifier, garbage) ends the walk at
// the hop before it.
//
// Only trust the header that your proxy sets itself: a proxy that passes a
// client's Forwarded header through untouched while it appends to
// X-Forwarded-For lets the client choose its address in the other one.
//
// IPv4-mapped IPv6 addresses are returned as IPv4. The zero Addr is
// returned when RemoteAddr is not an address (as for a request that did not
// come from a socket).
func ClientIPFrom(r *http.Request, trusted []netip.Prefix, header ProxyHeader) netip.Addr {
	addr := parseHop(r.RemoteAddr)
	if !addr.IsValid() || !isTrusted(addr, trusted) {
		return addr
	}
	var hops []string
	switch header {
	case Forwarded:
		hops = forwardedFor(r.Header.Values("Forwarded"))
	default:
		hops = forwardedList(r.Header.Values("X-Forwarded-For"))
	}
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-maxHops; i-- {
		hop := parseHop(hops[i])
		if !hop.IsValid() {
			return addr
		}
		addr = hop
		if !isTrusted(addr, trusted) {
			return addr
		}
	}
	return addr
}

// isTrusted reports whether a is in one of the prefixes.
func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop parses an address with or without a port: 192.0.2.1,
// 192.0.2.1:80, 2001:db8::1, [2001:db8::1] or [2001:db8::1]:80. It returns
// the zero Addr for anything else.
func parseHop(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr())
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	} else {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return normalize(a)
}

// normalize unmaps IPv4-mapped addresses and drops zones.
func normalize(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// forwardedList splits the values of a comma-separated list header,
// keeping the order of the header lines.
func forwardedList(values []string) []string {
	var out []string
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			out = append(out, part)
		}
	}
	return out
}

// forwardedFor returns the for= value of each element of RFC 7239
// Forwarded headers, in order. An element without for= yields "", which
// stops the walk in ClientIPFrom.
//
// Elements are split at every comma, even inside a quoted string: a for=
// value never holds one, and a client's unterminated quote must not swallow
// the element that the proxy appends after it.
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			var f string
			for pair := range strings.SplitSeq(elem, ";") {
				k, val, ok := strings.Cut(pair, "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					f = unquote(strings.TrimSpace(val))
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// unquote removes the quotes of an RFC 7230 quoted-string and its
// backslash escapes; other values are returned as they are.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseTrusted parses trusted proxies given as CIDR prefixes
// ("10.0.0.0/8") or single addresses ("192.0.2.7"). It is used by
// RateLimitOptions.TrustedProxies; it is exported for ClientIP's callers.
func ParseTrusted(cidrs ...string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, err
			}
			a = normalize(a)
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return nil, fmt.Errorf("middleware: trusted proxy %q: an IPv4-mapped prefix needs at least 96 bits", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
