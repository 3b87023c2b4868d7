package nexo_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/leakcheck"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/ws"
)

// The hostile clients of the App's HTTP server: idle keep-alive sockets,
// oversize headers, slow bodies, handshakes during shutdown, and the
// push pattern of docs/pubsub.md.

// serveApp runs app.Serve on a loopback listener until the test ends and
// returns the address.
func serveApp(t *testing.T, app *nexo.App) string {
	t.Helper()
	addr, stop := startApp(t, app.Serve)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return addr
}

// startApp runs serve (app.Serve, or a ServeTLS) on a loopback listener
// and returns the address and a function that ends serve's context and
// returns its result.
func startApp(t *testing.T, serve func(context.Context, net.Listener) error) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln) }()
	return ln.Addr().String(), func() error {
		cancel()
		return <-served
	}
}

// expectEOF reads nc until the server closes it, within d.
func expectEOF(t *testing.T, nc net.Conn, d time.Duration) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, nc)
	if err != nil {
		t.Fatalf("the server did not close the connection within %v: %v", d, err)
	}
}

// TestHostileIdleKeepAlive: 100 keep-alive connections that send nothing
// after their request are closed by the server after IdleTimeout, and the
// goroutines that served them end.
func TestHostileIdleKeepAlive(t *testing.T) {
	const n = 100
	app := nexo.New(nexo.WithServer(func(s *http.Server) { s.IdleTimeout = 200 * time.Millisecond }))
	app.Get("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	addr := serveApp(t, app)
	base := leakcheck.Take()
	conns := make([]net.Conn, n)
	for i := range conns {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		conns[i] = nc
	}
	start := time.Now()
	for _, nc := range conns {
		expectEOF(t, nc, 2*time.Second)
	}
	t.Logf("%d idle keep-alive sockets closed within %v", n, time.Since(start).Round(time.Millisecond))
	base.Settle(t, 2, 1<<20)
}

// TestHostileOversizeHeaders: a request whose headers pass 64 KiB is
// refused with 431, by default, on plain routes and WebSocket routes.
func TestHostileOversizeHeaders(t *testing.T) {
	app := nexo.New()
	app.Get("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	app.WebSocketRoute("/ws", echo)
	addr := serveApp(t, app)
	base := leakcheck.Take()
	big := strings.Repeat("x", 512<<10)
	for _, path := range []string{"/", "/ws"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("X-Big", big)
		if path == "/ws" {
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("%s: status %d, want 431", path, resp.StatusCode)
		}
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	base.Settle(t, 2, 1<<20)
}

// TestHostileSlowBody: a request body that trickles in is cut off after
// the read timeout; the handler sees a read error.
func TestHostileSlowBody(t *testing.T) {
	app := nexo.New(nexo.WithServer(func(s *http.Server) { s.ReadTimeout = 300 * time.Millisecond }))
	readErr := make(chan error, 1)
	app.Post("/upload", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	})
	addr := serveApp(t, app)
	base := leakcheck.Take()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\n\r\nonly a few bytes", addr)
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("the handler read the whole body")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the slow body was not cut off within 3 s")
	}
	expectEOF(t, nc, 2*time.Second)
	base.Settle(t, 2, 1<<20)
}

// TestWebSocketOutlivesReadTimeout: the read timeout bounds plain HTTP
// requests, not the WebSocket connections upgraded from them.
func TestWebSocketOutlivesReadTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	app := nexo.New(nexo.WithServer(func(s *http.Server) { s.ReadTimeout = timeout }))
	app.WebSocketRoute("/ws", echo)
	addr := serveApp(t, app)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(3 * timeout) // time must pass: the deadline is what is tested
	c.WriteMessage(websocket.TextMessage, []byte("still here"))
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "still here" {
		t.Fatalf("after the read timeout: %q %v", msg, err)
	}
}

// TestHostileShutdownAnswers503: while Shutdown waits for WebSocket
// handlers, a new upgrade request is answered with 503 and Retry-After,
// as docs/security.md promises, not refused at the TCP level.
func TestHostileShutdownAnswers503(t *testing.T) {
	app := nexo.New(nexo.WithShutdownWindow(0), nexo.WithLogger(discardLogger()))
	release := make(chan struct{})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		<-release // a handler that takes its time to finish
		return nil
	})
	addr, stop := startApp(t, app.Serve)
	url := "ws://" + addr + "/ws"
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	served := make(chan error, 1)
	go func() { served <- stop() }()
	for !app.WS().Draining() {
		time.Sleep(time.Millisecond)
	}
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	close(release)
	if resp == nil {
		t.Fatalf("a handshake during shutdown: %v, want HTTP 503", err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, ws.CloseGoingAway) {
		t.Fatalf("the open connection got %v, want 1001", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestHostilePushPatternAcceptsAtOnce: the push endpoint of docs/pubsub.md
// (Join, then wait on c.Context()) completes its handshake at once, not
// at the first publish, and receives what is published.
func TestHostilePushPatternAcceptsAtOnce(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/prices", func(c *ws.Conn) error {
		if _, err := channels.Join(c, "prices"); err != nil {
			return err
		}
		<-c.Context().Done()
		return nil
	})
	addr := serveApp(t, app)
	d := websocket.Dialer{HandshakeTimeout: 2 * time.Second}
	c, _, err := d.Dial("ws://"+addr+"/prices", nil)
	if err != nil {
		t.Fatalf("the push endpoint did not complete its handshake before a publish: %v", err)
	}
	defer c.Close()
	// The subscription is registered before the handshake completes.
	if err := app.Publish(context.Background(), "prices", "btc 1"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "btc 1" {
		t.Fatalf("got %q %v", msg, err)
	}
}

// TestRefusalsAgree: the refusals of every kind are counted once, by
// reason, and Stats, Introspect and the Prometheus metric agree; none is a
// handler error.
func TestRefusalsAgree(t *testing.T) {
	app := nexo.New(metrics.Expose("/metrics"), nexo.WithLogger(discardLogger()),
		nexo.WithWS(ws.WithHandshakeTimeout(500*time.Millisecond)))
	app.WebSocketRoute("/ws", echo)
	app.WebSocketRoute("/slow", func(c *ws.Conn) error {
		<-c.Context().Done() // never accepts
		return c.Accept()
	})
	addr := serveApp(t, app)
	get := func(path string, h http.Header) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	upgrade := func(key, version string) http.Header {
		return http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"},
			"Sec-Websocket-Key": {key}, "Sec-Websocket-Version": {version}}
	}
	const good = "dGhlIHNhbXBsZSBub25jZQ=="
	for _, tc := range []struct {
		path   string
		h      http.Header
		status int
	}{
		{"/ws", nil, http.StatusUpgradeRequired},                      // not_websocket
		{"/ws", upgrade("bad", "13"), http.StatusBadRequest},          // bad_request
		{"/ws", upgrade(good, "8"), http.StatusUpgradeRequired},       // bad_request
		{"/slow", upgrade(good, "13"), http.StatusServiceUnavailable}, // timeout
	} {
		if got := get(tc.path, tc.h); got != tc.status {
			t.Fatalf("%s %v: status %d, want %d", tc.path, tc.h, got, tc.status)
		}
	}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", http.Header{"Origin": {"https://evil.example"}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, ws.CloseForbidden) {
		t.Fatalf("cross-site: %v, want 4403", err)
	}
	c.Close()

	want := map[string]uint64{"not_websocket": 1, "bad_request": 2, "timeout": 1, "origin": 1}
	leakcheck.WaitUntil(t, 2*time.Second, "refusals not all counted", func() bool { return app.WS().Stats().Refused == 5 })
	st := app.WS().Stats()
	if fmt.Sprint(st.RefusedBy) != fmt.Sprint(want) || st.HandlerErrors != 0 {
		t.Fatalf("stats %+v, want RefusedBy %v and no handler error", st, want)
	}
	if snap := app.Introspect(context.Background()); snap.Stats.Refused != 5 {
		t.Fatalf("introspect: %+v", snap.Stats)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for reason, n := range want {
		line := fmt.Sprintf("nexo_ws_handshakes_refused_total{reason=%q} %d\n", reason, n)
		if !strings.Contains(string(body), line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	if strings.Contains(string(body), "nexo_ws_handler_errors_total{") {
		for l := range strings.Lines(string(body)) {
			if strings.HasPrefix(l, "nexo_ws_handler_errors_total{") && !strings.HasSuffix(l, " 0\n") {
				t.Errorf("handler errors: %s", l)
			}
		}
	}
}
