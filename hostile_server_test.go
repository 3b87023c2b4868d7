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
	"github.com/nexogo/nexo/ws"
)

// The hostile clients of the App's HTTP server: idle keep-alive sockets,
// oversize headers, slow bodies, handshakes during shutdown, and the
// push pattern of docs/pubsub.md.

// serveApp runs app.Serve on a loopback listener until the test ends and
// returns the address.
func serveApp(t *testing.T, app *nexo.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
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

// TestHostileIdleKeepAlive: a keep-alive connection that sends nothing
// after its request is closed by the server after IdleTimeout.
func TestHostileIdleKeepAlive(t *testing.T) {
	app := nexo.New(nexo.WithServer(func(s *http.Server) { s.IdleTimeout = 200 * time.Millisecond }))
	app.Get("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	addr := serveApp(t, app)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	br := bufio.NewReader(nc)
	nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	expectEOF(t, nc, 2*time.Second)
	t.Logf("idle keep-alive closed after %v", time.Since(start).Round(time.Millisecond))
}

// TestHostileOversizeHeaders: a request whose headers pass 64 KiB is
// refused with 431, by default, on plain routes and WebSocket routes.
func TestHostileOversizeHeaders(t *testing.T) {
	app := nexo.New()
	app.Get("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	app.WebSocketRoute("/ws", echo)
	addr := serveApp(t, app)
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
}

// TestWebSocketOutlivesReadTimeout: the read timeout bounds plain HTTP
// requests, not the WebSocket connections upgraded from them.
func TestWebSocketOutlivesReadTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()
	url := "ws://" + ln.Addr().String() + "/ws"
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cancel()
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
