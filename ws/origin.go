package ws

import (
	"net/http"
	"net/url"
	"strings"
)

// reasonOrigin is the close reason of a connection whose origin is refused.
const reasonOrigin = "origin not allowed"

// originAllowed applies the origin policy of c to an upgrade request:
// CheckOrigin when set, otherwise the same host and Origins.
func (c Config) originAllowed(r *http.Request) bool {
	if c.CheckOrigin != nil {
		return c.CheckOrigin(r)
	}
	return OriginAllowed(r, c.Origins)
}

// OriginAllowed reports whether the upgrade request's origin is allowed by
// the connection's current settings: the check Accept applies, made early.
// Accept refuses an origin that fails it, so a handler need not call it;
// middleware that reads a credential the browser attaches by itself (a
// session cookie) calls it first, so that a cross-site page never gets as
// far as the user's session, and refuses with c.Accept(), which closes
// with 4403.
func (c *Conn) OriginAllowed() bool {
	c.amu.Lock()
	cfg := c.cfg
	c.amu.Unlock()
	return cfg.originAllowed(c.req)
}

// OriginAllowed reports whether the request's Origin header is acceptable:
// absent (not a browser), the request's own host, or a match for one of
// patterns. A pattern is an exact origin ("https://app.example.com") or a
// wildcard on the leftmost labels ("https://*.example.com", which matches
// sub-domains but not example.com itself). A pattern without a scheme
// matches any scheme. Hosts compare case-insensitively.
func OriginAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range patterns {
		if MatchOrigin(u, p) {
			return true
		}
	}
	return false
}

// MatchOrigin reports whether the parsed origin u matches pattern, as
// described in OriginAllowed.
func MatchOrigin(u *url.URL, pattern string) bool {
	scheme, host, ok := strings.Cut(pattern, "://")
	if !ok {
		scheme, host = "", pattern
	}
	if scheme != "" && !strings.EqualFold(scheme, u.Scheme) {
		return false
	}
	origin := strings.ToLower(u.Host)
	host = strings.ToLower(host)
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		return strings.HasSuffix(origin, "."+rest) && len(origin) > len(rest)+1
	}
	return origin == host
}
