package middleware_test

import (
	"sync/atomic"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// echo sends every text message back until the connection ends.
func echo(c *ws.Conn) error {
	for msg := range c.Texts() {
		if err := c.SendText(msg); err != nil {
			return err
		}
	}
	return c.Err()
}

// expectEcho fails unless c echoes a message.
func expectEcho(t *testing.T, c *nexotest.Conn, msg string) {
	t.Helper()
	c.SendText(msg)
	c.ExpectText(msg)
}

func TestOrigin(t *testing.T) {
	app := nexo.New(nexo.WithoutClient(), nexo.WithWS(ws.WithOrigins("https://*.example.com", "https://partner.org")))
	app.WebSocketRoute("/exact", echo, middleware.Origin("https://app.example.com", "https://partner.org"))
	app.WebSocketRoute("/wild", echo, middleware.Origin("https://*.example.com"))
	app.WebSocketRoute("/same", echo, middleware.Origin())
	app.WebSocketRoute("/bare", echo, middleware.Origin("*.example.com", "partner.org")) // any scheme
	srv := nexotest.NewServer(t, app)
	self := srv.URL // http://127.0.0.1:port: the request's own host

	tests := []struct {
		path, origin string
		ok           bool
	}{
		{"/exact", "https://app.example.com", true},
		{"/exact", "https://APP.example.com", true},
		{"/exact", "https://partner.org", true},
		{"/exact", "", true},                           // not a browser
		{"/exact", self, true},                         // same host
		{"/exact", "https://other.example.com", false}, // allowed by the App, not the route
		{"/exact", "http://app.example.com", false},    // wrong scheme
		{"/exact", "https://app.example.com.evil", false},
		{"/exact", "https://evil.com", false},
		{"/exact", "null", false},
		{"/wild", "https://a.example.com", true},
		{"/wild", "https://a.b.example.com", true},
		{"/wild", "https://example.com", false},
		{"/wild", "https://evilexample.com", false},
		{"/wild", "https://partner.org", false},
		{"/same", self, true},
		{"/same", "", true},
		{"/same", "https://app.example.com", false},
		{"/bare", "https://a.example.com", true},
		{"/bare", "http://a.b.example.com", true},
		{"/bare", "https://partner.org", true},
		{"/bare", "https://example.com", false},
		{"/bare", "https://a.example.com.evil", false},
		{"/bare", "https://a.example.com:8443", false}, // a port is part of the origin
		{"/bare", "https://www.partner.org", false},
		{"/bare", "null", false},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.origin, func(t *testing.T) {
			var opts []nexotest.DialOption
			if tt.origin != "" {
				opts = append(opts, nexotest.WithOrigin(tt.origin))
			}
			c := srv.Dial(tt.path, opts...)
			defer c.Close()
			if tt.ok {
				expectEcho(t, c, "hi")
				c.CloseNormal()
				return
			}
			ce := c.ExpectClose(ws.CloseForbidden)
			if ce.Reason != "origin not allowed" {
				t.Fatalf("reason %q", ce.Reason)
			}
		})
	}
}

// Origin widens the App's same-host default on its route only, and the
// middleware after it never runs for a refused site.
func TestOriginWidensDefault(t *testing.T) {
	var authRuns atomic.Int32
	countAuth := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error { authRuns.Add(1); return next(c) }
	}
	app := nexo.New(nexo.WithoutClient()) // same host only
	app.WebSocketRoute("/embed", echo, middleware.Origin("https://partner.org", "https://*.partner.org"), countAuth)
	app.WebSocketRoute("/private", echo, countAuth)
	app.WebSocketRoute("/events", ws.Events{
		OnMessage: func(c *ws.Conn, m ws.Message) error { return c.Send(m) },
	}.Handler(), middleware.Origin("https://partner.org"))
	srv := nexotest.NewServer(t, app)

	partner := srv.Dial("/embed", nexotest.WithOrigin("https://partner.org"))
	expectEcho(t, partner, "hi")
	sub := srv.Dial("/embed", nexotest.WithOrigin("https://www.partner.org"))
	expectEcho(t, sub, "hi")
	same := srv.Dial("/embed", nexotest.WithOrigin(srv.URL))
	expectEcho(t, same, "hi")
	ev := srv.Dial("/events", nexotest.WithOrigin("https://partner.org"))
	expectEcho(t, ev, "hi")
	if n := authRuns.Load(); n != 3 {
		t.Fatalf("middleware after Origin ran %d times, want 3", n)
	}

	// A site the route does not list: 4403 before the next middleware.
	for _, origin := range []string{"https://evil.example", "https://partner.org.evil.example", "null"} {
		bad := srv.Dial("/embed", nexotest.WithOrigin(origin))
		if ce := bad.ExpectClose(ws.CloseForbidden); ce.Reason != "origin not allowed" {
			t.Fatalf("%s: reason %q", origin, ce.Reason)
		}
		bad.Close()
	}
	if n := authRuns.Load(); n != 3 {
		t.Fatalf("middleware after Origin ran for a refused origin (%d runs)", n)
	}

	// A browser that offered its token as a subprotocol gets the answer
	// it needs to see the 4403, never the token.
	proto := srv.Dial("/embed", nexotest.WithOrigin("https://evil.example"), nexotest.WithSubprotocols("nexo.auth", "tok"))
	if got := proto.Subprotocol(); got != middleware.AuthProtocol {
		t.Fatalf("refused handshake answered subprotocol %q", got)
	}
	proto.ExpectClose(ws.CloseForbidden)
	proto.Close()

	// Routes without Origin keep the App's same-host default.
	other := srv.Dial("/private", nexotest.WithOrigin("https://partner.org"))
	other.ExpectClose(ws.CloseForbidden)
	other.Close()
	evBad := srv.Dial("/events", nexotest.WithOrigin("https://evil.example"))
	evBad.ExpectClose(ws.CloseForbidden)
	evBad.Close()

	// The refusals did not disturb the connections already open.
	for _, c := range []*nexotest.Conn{partner, sub, same, ev} {
		expectEcho(t, c, "still here")
		c.CloseNormal()
	}
}

// With an App that lets every origin through, Origin alone decides.
func TestOriginInsecureApp(t *testing.T) {
	app := nexo.New(nexo.WithoutClient(), nexo.WithWS(ws.WithInsecureAnyOrigin()))
	app.WebSocketRoute("/ws", echo, middleware.Origin("https://good.example"))
	srv := nexotest.NewServer(t, app)

	good := srv.Dial("/ws", nexotest.WithOrigin("https://good.example"))
	expectEcho(t, good, "hi")

	bad := srv.Dial("/ws", nexotest.WithOrigin("https://evil.example"))
	bad.ExpectClose(ws.CloseForbidden)
	bad.Close()

	// The refused connection did not disturb the allowed one.
	expectEcho(t, good, "still here")
	good.CloseNormal()
}

func TestOriginPanics(t *testing.T) {
	for _, p := range []string{"*", "https://*", "", "https://a.example.com/path", "https://a.*.com", "https://*.*.com"} {
		t.Run(p, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("Origin(%q) did not panic", p)
				}
			}()
			middleware.Origin(p)
		})
	}
}
