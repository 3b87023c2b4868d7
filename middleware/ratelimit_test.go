package middleware_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	"golang.org/x/time/rate"
)

// slow is a rate that does not refill during a test.
var slow = rate.Every(time.Hour)

// guarded serves echo at /ws behind mw, with a first middleware that
// reports on torn every connection once it has been torn down, after the
// cleanups of the middleware that follow it.
func guarded(t *testing.T, mw ...ws.Middleware) (*nexotest.Server, <-chan struct{}) {
	t.Helper()
	torn := make(chan struct{}, 64)
	watch := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			c.AfterClose(func() { torn <- struct{}{} })
			return next(c)
		}
	}
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", echo, append([]ws.Middleware{watch}, mw...)...)
	return nexotest.NewServer(t, app), torn
}

func waitTorn(t *testing.T, torn <-chan struct{}) {
	t.Helper()
	select {
	case <-torn:
	case <-time.After(nexotest.DefaultTimeout):
		t.Fatal("connection not torn down")
	}
}

func expectRefused(t *testing.T, c *nexotest.Conn, code int, reason string) {
	t.Helper()
	ce := c.ExpectClose(code)
	if ce.Reason != reason {
		t.Fatalf("close reason %q, want %q", ce.Reason, reason)
	}
	c.Close()
}

func TestRateLimitMessages(t *testing.T) {
	srv, _ := guarded(t, middleware.RateLimit(slow, 3))
	flood := srv.Dial("/ws")
	other := srv.Dial("/ws")
	defer other.Close()
	expectEcho(t, other, "before")

	for _, m := range []string{"1", "2", "3"} {
		expectEcho(t, flood, m)
	}
	for range 50 {
		if err := flood.WriteMessage(websocket.TextMessage, []byte("flood")); err != nil {
			break // the server may already have closed
		}
	}
	expectRefused(t, flood, ws.CloseRateLimited, "rate limit exceeded")

	// The other connection has its own budget and never noticed.
	expectEcho(t, other, "after")
	expectEcho(t, other, "again")
	other.CloseNormal()
}

func TestRateLimitDrop(t *testing.T) {
	srv, _ := guarded(t, middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		MessageRate: slow, MessageBurst: 2, Policy: channels.RateDrop,
	}))
	c := srv.Dial("/ws")
	defer c.Close()
	expectEcho(t, c, "a")
	expectEcho(t, c, "b")
	c.SendText("dropped 1")
	c.SendText("dropped 2")
	c.SendText("dropped 3")
	var f ws.ErrorFrame
	c.ReadJSON(&f)
	if f.Type != "error" || f.Error != "rate_limited" {
		t.Fatalf("error frame %+v", f)
	}
	// The connection stays open: a close handshake ends it with 1000, and
	// nothing dropped was echoed, nor a second error frame sent.
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(nexotest.DefaultTimeout)); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := c.TryRead()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != websocket.CloseNormalClosure {
				t.Fatalf("closed with %d (%q), want 1000", ce.Code, ce.Text)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Fatalf("unexpected message %s", data)
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	srv, torn := guarded(t, middleware.MaxConnsPerIP(2))
	a := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
	b := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
	expectEcho(t, a, "a")
	expectEcho(t, b, "b")

	over := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
	expectRefused(t, over, ws.CloseTryAgainLater, "too many connections from this address")
	waitTorn(t, torn)

	// Another machine is not affected.
	elsewhere := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.2"))
	expectEcho(t, elsewhere, "from 127.0.0.2")

	// A slot is released once a connection has ended.
	a.CloseNormal()
	waitTorn(t, torn)
	again := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
	expectEcho(t, again, "again")
	expectEcho(t, b, "b still")

	for _, c := range []*nexotest.Conn{b, elsewhere, again} {
		c.CloseNormal()
	}
}

func TestHandshakeRate(t *testing.T) {
	srv, _ := guarded(t, middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		HandshakeRate: slow, HandshakeBurst: 2,
	}))
	for range 2 {
		c := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
		expectEcho(t, c, "hi")
		c.CloseNormal()
	}
	for range 3 {
		c := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
		expectRefused(t, c, ws.CloseRateLimited, "too many connection attempts")
	}
	c := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.2"))
	expectEcho(t, c, "other address")
	c.CloseNormal()
}

func TestRateLimitTrustedProxy(t *testing.T) {
	srv, _ := guarded(t, middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		MaxConnsPerIP:  1,
		TrustedProxies: []string{"127.0.0.1/32"},
	}))
	xff := func(v string) nexotest.DialOption { return nexotest.WithHeader("X-Forwarded-For", v) }

	// Behind the trusted proxy (127.0.0.1), each forwarded client has its
	// own slot, whatever it wrote to the left of the proxy's entry.
	one := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"), xff("198.51.100.1"))
	expectEcho(t, one, "one")
	spoof := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"), xff("203.0.113.50, 198.51.100.1"))
	expectRefused(t, spoof, ws.CloseTryAgainLater, "too many connections from this address")
	two := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"), xff("198.51.100.2"))
	expectEcho(t, two, "two")

	// A client that is not a trusted proxy cannot pick its address.
	direct := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.2"), xff("198.51.100.3"))
	expectEcho(t, direct, "direct")
	forged := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.2"), xff("198.51.100.4"))
	expectRefused(t, forged, ws.CloseTryAgainLater, "too many connections from this address")

	for _, c := range []*nexotest.Conn{one, two, direct} {
		c.CloseNormal()
	}
}

func TestRateLimitOptionsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"zero rate":     func() { middleware.RateLimit(0, 1) },
		"zero burst":    func() { middleware.RateLimit(1, 0) },
		"zero cap":      func() { middleware.MaxConnsPerIP(0) },
		"negative":      func() { middleware.RateLimitWithOpts(middleware.RateLimitOptions{MaxConnsPerIP: -1}) },
		"bad proxy":     func() { middleware.RateLimitWithOpts(middleware.RateLimitOptions{TrustedProxies: []string{"nope"}}) },
		"IPv6 prefix":   func() { middleware.RateLimitWithOpts(middleware.RateLimitOptions{IPv6Prefix: 129}) },
		"negative rate": func() { middleware.RateLimitWithOpts(middleware.RateLimitOptions{MessageRate: -1}) },
		// Codes a close frame may not carry: the client would see a
		// protocol error, never the limit.
		"message code 1006": func() { middleware.RateLimitWithOpts(middleware.RateLimitOptions{MessageRate: 1, MessageCode: 1006}) },
		"handshake code 5000": func() {
			middleware.RateLimitWithOpts(middleware.RateLimitOptions{HandshakeRate: 1, HandshakeCode: 5000})
		},
		"conns code 1015": func() { middleware.RateLimitWithOpts(middleware.RateLimitOptions{MaxConnsPerIP: 1, ConnsCode: 1015}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

// Handshake and message floods from two addresses leave a third client's
// connection, and a fourth client's new one, untouched.
func TestRateLimitFlood(t *testing.T) {
	srv, _ := guarded(t, middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		MessageRate: 10, MessageBurst: 20,
		HandshakeRate: slow, HandshakeBurst: 8,
		MaxConnsPerIP: 3,
	}))
	victim := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.2"))
	defer victim.Close()
	expectEcho(t, victim, "before")

	type outcome struct {
		ip, reason string
		err        error
	}
	const perIP = 25
	results := make(chan outcome, 2*perIP)
	for _, ip := range []string{"127.0.0.3", "127.0.0.4"} {
		for range perIP {
			go func() {
				c, _, err := srv.TryDial("/ws", nexotest.WithLocalIP(ip))
				if err != nil {
					results <- outcome{ip, "", err}
					return
				}
				defer c.Close()
				for range 200 {
					if c.WriteMessage(websocket.TextMessage, []byte("flood")) != nil {
						break
					}
				}
				ce, err := c.TryClose()
				if err != nil {
					results <- outcome{ip, "", err}
					return
				}
				results <- outcome{ip, fmt.Sprint(ce.Code, " ", ce.Reason), nil}
			}()
		}
	}
	counts := map[string]map[string]int{}
	for range 2 * perIP {
		o := <-results
		if o.err != nil {
			t.Fatalf("flooder on %s: %v", o.ip, o.err)
		}
		if counts[o.ip] == nil {
			counts[o.ip] = map[string]int{}
		}
		counts[o.ip][o.reason]++
	}
	for ip, by := range counts {
		// 8 handshakes per address pass the rate; of those, the ones
		// over 3 open connections are refused and the others are
		// closed for their message flood.
		rate, capped, flood := by["4429 too many connection attempts"],
			by["1013 too many connections from this address"], by["4429 rate limit exceeded"]
		if rate != perIP-8 || capped+flood != 8 || flood < 1 || flood > 8 {
			t.Errorf("%s: outcomes %v", ip, by)
		}
	}
	t.Logf("outcomes by address: %v", counts)

	expectEcho(t, victim, "after")
	newcomer := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.5"))
	expectEcho(t, newcomer, "newcomer")
	newcomer.CloseNormal()
	victim.CloseNormal()
}

// A browser that offers its token as a subprotocol and is refused by a
// limit (which runs before authentication) still gets the answer it needs
// to see the close code, never the token.
func TestRateLimitAnswersAuthProtocol(t *testing.T) {
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: middleware.StaticTokens(map[string]any{"tok": "ada"}),
	})
	limits := middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		MaxConnsPerIP: 1, HandshakeRate: slow, HandshakeBurst: 3,
	})
	s := serveAuth(t, whoami, limits, auth)
	browser := func() *nexotest.Conn {
		return s.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"), nexotest.WithSubprotocols(middleware.AuthProtocol, "tok"))
	}
	in := browser()
	in.ExpectText("ada|" + middleware.AuthProtocol)
	for _, want := range []struct {
		code   int
		reason string
	}{
		{ws.CloseTryAgainLater, "too many connections from this address"}, // 2nd and 3rd handshakes:
		{ws.CloseTryAgainLater, "too many connections from this address"}, // within the rate, over the cap
		{ws.CloseRateLimited, "too many connection attempts"},             // 4th: over the rate
	} {
		c := browser()
		if got := c.Subprotocol(); got != middleware.AuthProtocol {
			t.Fatalf("refused with %d: answered subprotocol %q, want %q", want.code, got, middleware.AuthProtocol)
		}
		expectRefused(t, c, want.code, want.reason)
	}
	in.CloseNormal()
}
