package middleware

import (
	"fmt"
	"strings"

	"github.com/nexogo/nexo/ws"
)

// Origin sets this route's origin allowlist, in place of the App's: an
// upgrade request is allowed when its Origin header is absent (the client
// is not a browser), is the request's own host, or matches one of
// allowlist: an exact origin ("https://app.example.com") or a wildcard on
// the leftmost labels ("https://*.example.com", which matches sub-domains
// but not example.com itself). A pattern without a scheme matches any
// scheme. The rules are ws.OriginAllowed's.
//
// A refused origin completes the handshake, then the connection is closed
// with 4403 (ws.CloseForbidden) and the reason "origin not allowed", before
// the middleware after Origin runs: put Origin first, so that
// authentication never runs for a refused site.
//
// The route's allowlist replaces the App's (ws.WithOrigins,
// ws.WithInsecureAnyOrigin) for the connections of this route, so it both
// widens and narrows: Origin("https://partner.org") lets the partner's
// pages in on this route only, while the App keeps its same-host default
// everywhere else; Origin() with no allowlist keeps a route same-host in an
// App that allows more. ws checks the origin again in Accept with the
// connection's settings, and that check agrees with Origin.
//
//	app := nexo.New() // same host only
//	app.WebSocketRoute("/embed", h, middleware.Origin("https://*.partner.org"))
//
// A pattern of "*" (any site) is refused with a panic: cross-site access to
// every origin is ws.WithInsecureAnyOrigin, spelled out in the App. Empty
// patterns, patterns with a path, and wildcards other than a leading "*."
// panic too.
//
// The returned middleware is safe for concurrent use.
func Origin(allowlist ...string) ws.Middleware {
	patterns := make([]string, len(allowlist))
	for i, p := range allowlist {
		patterns[i] = checkOriginPattern(p)
	}
	// The route's policy, replacing the App's for this connection.
	policy := func(cfg *ws.Config) {
		cfg.CheckOrigin = nil
		cfg.Origins = patterns
	}
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if err := c.Configure(policy); err != nil {
				return fmt.Errorf("middleware: Origin: %w", err)
			}
			if !ws.OriginAllowed(c.Request(), patterns) {
				// Accept refuses the origin with 4403, as its own check.
				// A browser that offered a token as a subprotocol drops a
				// handshake that answers none: answer AuthProtocol, so
				// that it sees the 4403 and does not retry.
				return c.Accept(answerAuthProtocol(c))
			}
			return next(c)
		}
	}
}

// checkOriginPattern returns p in lower case, or panics when it is not a
// usable origin pattern.
func checkOriginPattern(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	_, host, ok := strings.Cut(p, "://")
	if !ok {
		host = p
	}
	switch {
	case host == "":
		panic("middleware: Origin: empty origin pattern")
	case host == "*":
		panic(`middleware: Origin: "*" allows every site; use ws.WithInsecureAnyOrigin in the App if that is really meant`)
	case strings.ContainsAny(host, "/?#@ "):
		panic("middleware: Origin: pattern " + p + " is not an origin (scheme://host[:port])")
	case strings.Contains(strings.TrimPrefix(host, "*."), "*"):
		panic("middleware: Origin: pattern " + p + ": a wildcard may only be the leftmost label (*.example.com)")
	}
	return p
}

// answerAuthProtocol returns WithAuthProtocol when the client offered
// AuthProtocol, and an option that changes nothing otherwise.
func answerAuthProtocol(c *ws.Conn) ws.Option {
	if _, offered := subprotocolToken(c.Header()); offered {
		return WithAuthProtocol()
	}
	return func(*ws.Config) {}
}
