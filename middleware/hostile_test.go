package middleware_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
)

// Thirty handshakes at once from one address: exactly the cap gets in,
// and every other one is refused, whatever the interleaving.
func TestMaxConnsPerIPConcurrentHandshakes(t *testing.T) {
	const limit, clients = 3, 30
	srv, torn := guarded(t, middleware.MaxConnsPerIP(limit))
	var (
		mu      sync.Mutex
		open    []*nexotest.Conn
		refused int
		wg      sync.WaitGroup
	)
	for range clients {
		wg.Go(func() {
			c, _, err := srv.TryDial("/ws", nexotest.WithLocalIP("127.0.0.1"))
			if err != nil {
				t.Error(err)
				return
			}
			c.SendText("x")
			_, data, err := c.TryRead() // an echo, or the refusal's close frame
			mu.Lock()
			defer mu.Unlock()
			if err == nil && string(data) == "x" {
				open = append(open, c)
				return
			}
			refused++
			c.Close()
		})
	}
	wg.Wait()
	if len(open) != limit || refused != clients-limit {
		t.Fatalf("%d connections admitted and %d refused, want %d and %d", len(open), refused, limit, clients-limit)
	}
	for range clients - limit {
		waitTorn(t, torn)
	}
	other := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.2"))
	expectEcho(t, other, "other address")
	for _, c := range append(open, other) {
		c.CloseNormal()
	}
}

// Clients that send the upgrade request and reset the TCP connection
// right after the 101, without a close handshake, give their slot back.
func TestMaxConnsPerIPAbortedClients(t *testing.T) {
	srv, torn := guarded(t, middleware.MaxConnsPerIP(2))
	addr := strings.TrimPrefix(srv.URL, "http://")
	upgrade := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	const aborted = 20
	for range aborted {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}, Timeout: nexotest.DefaultTimeout}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Write([]byte(upgrade)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 12) // "HTTP/1.1 101"
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "HTTP/1.1 101" {
			t.Fatalf("upgrade answered %q, %v", buf, err)
		}
		nc.(*net.TCPConn).SetLinger(0) // close with a reset
		nc.Close()
	}
	for range aborted {
		waitTorn(t, torn)
	}
	a := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
	b := srv.Dial("/ws", nexotest.WithLocalIP("127.0.0.1"))
	expectEcho(t, a, "a")
	expectEcho(t, b, "b")
	a.CloseNormal()
	b.CloseNormal()
}

// Forged tokens a hostile client may try: too long for any verifier, the
// wrong scheme, a NUL appended, a token offered as the subprotocol's
// marker itself. Each is refused with 4401 and the verifier never sees the
// long one.
func TestTokenAuthForged(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	static := middleware.StaticTokens(map[string]any{"t0k": "ada"})
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: func(ctx context.Context, tok string) (any, error) {
			mu.Lock()
			seen = append(seen, tok)
			mu.Unlock()
			return static(ctx, tok)
		},
	})
	s := serveAuth(t, whoami, auth)
	for _, tc := range []struct {
		name, path, reason string
		opts               []nexotest.DialOption
	}{
		{"long", "/ws", "invalid token", []nexotest.DialOption{nexotest.WithHeader("Authorization", "Bearer "+strings.Repeat("a", 5000))}},
		{"basic", "/ws", "missing token", []nexotest.DialOption{nexotest.WithHeader("Authorization", "Basic dDBrOg==")}},
		{"nul", "/ws?token=t0k%00", "invalid token", nil},
		{"prefix", "/ws?token=t0", "invalid token", nil},
		{"marker only", "/ws", "missing token", []nexotest.DialOption{nexotest.WithSubprotocols("nexo.auth", "nexo.auth")}},
		{"before marker", "/ws", "missing token", []nexotest.DialOption{nexotest.WithSubprotocols("t0k", "nexo.auth")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectUnauthorized(t, s.Dial(tc.path, tc.opts...), tc.reason)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, tok := range seen {
		if len(tok) > 4096 {
			t.Fatalf("the verifier saw a token of %d bytes", len(tok))
		}
	}
}

// An application's own server-side sessions plug in with
// SessionStoreFunc: a revoked session is refused at the next handshake,
// and a failing store closes with 1013 without telling the client why.
func TestSessionStoreFunc(t *testing.T) {
	var mu sync.Mutex
	sessions := map[string]member{"sid-ada": {1, "ada"}}
	store := middleware.SessionStoreFunc(func(r *http.Request) (any, error) {
		ck, err := r.Cookie("sid")
		if err != nil {
			return nil, middleware.ErrNoSession
		}
		if ck.Value == "boom" {
			return nil, errors.New("session database at 10.0.0.3 unreachable")
		}
		mu.Lock()
		defer mu.Unlock()
		m, ok := sessions[ck.Value]
		if !ok {
			return nil, middleware.ErrInvalidSession
		}
		return m, nil
	})
	required := serveAuth(t, whois, middleware.SessionAuth(store, true))
	optional := serveAuth(t, whois, middleware.SessionAuth(store, false))
	cookie := func(v string) nexotest.DialOption { return nexotest.WithHeader("Cookie", "sid="+v) }

	ada := required.Dial("/ws", cookie("sid-ada"))
	ada.ExpectText("ada")
	// The store is down: retry later, required or not (a user is never
	// taken for an anonymous one).
	expectUnavailable(t, required.Dial("/ws", cookie("boom")))
	expectUnavailable(t, optional.Dial("/ws", cookie("boom")))
	for _, v := range []string{"sid-bob", ""} {
		expectUnauthorized(t, required.Dial("/ws", cookie(v)), "no valid session")
		c := optional.Dial("/ws", cookie(v))
		c.ExpectText("<anonymous>")
		c.CloseNormal()
	}

	mu.Lock()
	delete(sessions, "sid-ada") // logout everywhere
	mu.Unlock()
	expectUnauthorized(t, required.Dial("/ws", cookie("sid-ada")), "no valid session")
	ada.CloseNormal() // an open connection lives on: see ws.WithMaxLifetime
}

// panicRecords hands the test every "ws: handler panic" record.
type panicRecords struct{ ch chan slog.Record }

func (h panicRecords) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h panicRecords) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "ws: handler panic" {
		h.ch <- r.Clone()
	}
	return nil
}
func (h panicRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h panicRecords) WithGroup(string) slog.Handler      { return h }

// A token that makes the verifier panic costs its client an HTTP 500 and
// a log line with the stack; the connection already open never notices.
// This is why the package has no Recover middleware.
func TestVerifierPanicRecovered(t *testing.T) {
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: func(_ context.Context, tok string) (any, error) {
			if tok == "boom" {
				panic("verifier bug")
			}
			return "ada", nil
		},
	})
	logged := make(chan slog.Record, 1)
	app := nexo.New(nexo.WithoutClient(), nexo.WithLogger(slog.New(panicRecords{logged})))
	app.WebSocketRoute("/ws", whoami, auth)
	s := nexotest.NewServer(t, app)
	good := s.Dial("/ws?token=ok")
	good.ExpectText("ada|")

	_, resp, err := s.TryDial("/ws?token=boom")
	if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("panicking verifier: response %v, error %v; want HTTP 500", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	select {
	case r := <-logged:
		var stack string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "stack" {
				stack = a.Value.String()
			}
			return true
		})
		if !strings.Contains(stack, "TestVerifierPanicRecovered") {
			t.Errorf("panic logged without the verifier's stack: %q", stack)
		}
	case <-time.After(nexotest.DefaultTimeout):
		t.Fatal("the panic was not logged")
	}

	good.SendText("still here")
	good.CloseNormal() // answered with 1000: the connection was never disturbed
}
