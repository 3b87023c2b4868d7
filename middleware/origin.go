package middleware

import (
	"net/http"
	"strings"

	"github.com/nexogo/nexo/ws"
)

// reasonOrigin is the close reason of a refused origin, the same as ws
// sends for its own check.
const reasonOrigin = "origin not allowed"

// Origin refuses upgrade requests whose Origin header is not allowed on
// this route: the handshake completes, then the connection is closed with
// 4403 (ws.CloseForbidden) and the reason "origin not allowed".
//
// An origin is allowed when it is absent (the client is not a browser),
// when it is the request's own host, or when it matches one of allowlist:
// an exact origin ("https://app.example.com") or a wildcard on the leftmost
// labels ("https://*.example.com", which matches sub-domains but not
// example.com itself). A pattern without a scheme matches any scheme. The
// rules are ws.OriginAllowed's. Origin() with no allowlist is an explicit
// same-host check, for routes that must stay same-site in an App that
// allows more.
//
// ws applies the App's origin policy (same host by default, widened with
// ws.WithOrigins) before any middleware runs, so Origin narrows it per
// route and never widens it: an origin is accepted only when both the App
// and the route allow it. To serve a partner site on one route, allow it in
// the App and narrow the other routes:
//
//	app := nexo.New(nexo.WithWS(ws.WithOrigins("https://*.example.com")))
//	app.WebSocketRoute("/admin", h, middleware.Origin("https://admin.example.com"))
//	app.WebSocketRoute("/feed", h, middleware.Origin("https://*.example.com"))
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
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if !ws.OriginAllowed(c.Request(), patterns) {
				c.Config().Logger.Debug("middleware: origin refused",
					"conn", c.ID(), "path", c.Request().URL.Path, "origin", c.Header().Get("Origin"))
				c.Close(ws.CloseForbidden, reasonOrigin)
				return nil
			}
			// The route's allowlist decides for this connection: any
			// origin check ws applies with the connection's settings
			// agrees with it.
			c.Configure(allowChecked)
			return next(c)
		}
	}
}

// allowChecked marks the connection's origin as already checked.
func allowChecked(cfg *ws.Config) { cfg.CheckOrigin = originChecked }

func originChecked(*http.Request) bool { return true }

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
