package middleware_test

import (
	"sync/atomic"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// Cross-site WebSocket hijacking: a page of another site opens a socket
// and the browser attaches the user's valid session cookie. The default
// origin check refuses it with 4403 and SessionAuth refuses it before the cookie is read and the handler never runs;
// the same cookie from the site itself, or from the partner a route
// admits, is let in.
func TestSessionCookieCrossSite(t *testing.T) {
	store := middleware.NewCookieStore[member](authTestKey(1), nil, middleware.CookieOptions{})
	cookie := sessionCookie(t, store, member{1, "ada"})
	var served atomic.Int32
	h := func(c *ws.Conn) error { served.Add(1); return whois(c) }

	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/feed", h, middleware.SessionAuth(store, false))
	app.WebSocketRoute("/embed", h, middleware.Origin("https://partner.org"), middleware.SessionAuth(store, true))
	srv := nexotest.NewServer(t, app)

	for _, path := range []string{"/feed", "/embed"} {
		c := srv.Dial(path, nexotest.WithOrigin("https://evil.example"), nexotest.WithHeader("Cookie", cookie))
		if ce := c.ExpectClose(ws.CloseForbidden); ce.Reason != "origin not allowed" {
			t.Fatalf("%s: reason %q", path, ce.Reason)
		}
		c.Close()
	}
	if n := served.Load(); n != 0 {
		t.Fatalf("the handler ran %d times for a cross-site page", n)
	}

	for path, origin := range map[string]string{"/feed": srv.URL, "/embed": "https://partner.org"} {
		c := srv.Dial(path, nexotest.WithOrigin(origin), nexotest.WithHeader("Cookie", cookie))
		c.ExpectText("ada")
		c.CloseNormal()
	}
}
