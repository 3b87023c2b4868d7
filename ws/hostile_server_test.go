package ws_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/internal/leakcheck"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// The hostile clients of the server side: handshakes that never finish,
// malformed upgrade requests, a client that never reads. Each test checks
// the documented answer and that the server's goroutines and heap return
// to what they were before the traffic.

// reasonCounter is an Observer that counts refusals by reason.
type reasonCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func newReasonCounter() *reasonCounter { return &reasonCounter{n: make(map[string]int)} }

func (o *reasonCounter) Opened(*ws.Conn)                 {}
func (o *reasonCounter) Closed(*ws.Conn, *ws.CloseError) {}
func (o *reasonCounter) Failed(*ws.Conn, error, bool)    {}
func (o *reasonCounter) SlowConsumer(*ws.Conn)           {}
func (o *reasonCounter) Refused(_ *http.Request, reason string) {
	o.mu.Lock()
	o.n[reason]++
	o.mu.Unlock()
}

func (o *reasonCounter) count(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[reason]
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// linesAbove returns the logged lines at level above debug.
func (b *lockedBuffer) linesAbove() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for l := range strings.Lines(b.b.String()) {
		if !strings.Contains(l, "level=DEBUG") {
			out = append(out, l)
		}
	}
	return out
}

// upgradeHeader returns the headers of a valid upgrade request.
func upgradeHeader() http.Header {
	key := make([]byte, 16)
	rand.Read(key)
	return http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {base64.StdEncoding.EncodeToString(key)},
	}
}

// sendUpgrade opens a TCP connection to base and writes an upgrade request
// for path with the given headers, without reading the answer.
func sendUpgrade(t *testing.T, base, path string, h http.Header) (net.Conn, *http.Request) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	nc, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(wireTimeout))
	if err := req.Write(nc); err != nil {
		t.Fatal(err)
	}
	return nc, req
}

// rawUpgrade sends an upgrade request and reads the answer, closing the
// connection afterwards.
func rawUpgrade(t *testing.T, base, path string, h http.Header) *http.Response {
	t.Helper()
	nc, req := sendUpgrade(t, base, path, h)
	defer nc.Close()
	resp, err := http.ReadResponse(bufio.NewReader(nc), req)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()
	return resp
}

// TestHostileAbandonedHandshakes: 200 clients send an upgrade request to a
// handler that has not accepted yet, then go away. Each request is refused
// ("abandoned") as soon as its client is gone: the slots it held under
// MaxConnections are free for a real client, and no goroutine is left.
func TestHostileAbandonedHandshakes(t *testing.T) {
	const n = 200
	obs := newReasonCounter()
	waiting := make(chan struct{}, n)
	s, srv := serve(t, func(c *ws.Conn) error {
		if c.Query().Has("real") {
			return echo(c)
		}
		waiting <- struct{}{}
		<-c.Context().Done() // not accepted: waits for something that never comes
		return nil
	}, ws.WithMaxConnections(n), ws.WithObserver(obs), ws.WithLogger(discard()))
	base := leakcheck.Take()

	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i], _ = sendUpgrade(t, s.URL, "/ws", upgradeHeader())
	}
	for range n {
		<-waiting
	}
	for _, nc := range conns {
		nc.Close()
	}
	gone := time.Now()
	leakcheck.WaitUntil(t, 5*time.Second, "abandoned handshakes still held", func() bool { return srv.Len() == 0 })
	t.Logf("%d abandoned handshakes released %v after their clients left", n, time.Since(gone).Round(time.Millisecond))
	if got := obs.count("abandoned"); got != n {
		t.Fatalf("%d refusals counted as abandoned, want %d", got, n)
	}
	c := s.Dial("/ws?real")
	c.SendText("in")
	c.ExpectText("in")
	c.CloseNormal()
	base.Settle(t, 4, 1<<20)
}

// TestHostileHandshakeTimeout: a handler that neither accepts nor refuses
// within the handshake timeout has its request refused with 503, its
// context ended and its slot freed.
func TestHostileHandshakeTimeout(t *testing.T) {
	obs := newReasonCounter()
	ended := make(chan error, 1)
	s, srv := serve(t, func(c *ws.Conn) error {
		<-c.Context().Done()
		ended <- context.Cause(c.Context())
		return c.Accept()
	}, ws.WithHandshakeTimeout(200*time.Millisecond), ws.WithObserver(obs), ws.WithLogger(discard()))
	base := leakcheck.Take()
	start := time.Now()
	resp := rawUpgrade(t, s.URL, "/ws", upgradeHeader())
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("refused after %v", d)
	}
	if err := <-ended; !errors.Is(err, ws.ErrNotAccepted) {
		t.Fatalf("the handler's context ended with %v", err)
	}
	leakcheck.WaitUntil(t, 2*time.Second, "the slot is still held", func() bool { return srv.Len() == 0 })
	if st := srv.Stats(); st.Refused != 1 || st.HandlerErrors != 0 || obs.count("timeout") != 1 {
		t.Fatalf("stats %+v, timeout refusals %d", st, obs.count("timeout"))
	}
	base.Settle(t, 2, 1<<20)
}

// TestSendPreparedBeforeAcceptFailsFast: a fan-out send (SendPrepared, the
// path of topics, groups and broadcasts) to a connection whose handler has
// not accepted yet does not perform the handshake on the sender's
// goroutine: it fails at once with ErrNotAccepted, and the handler then
// accepts as it meant to.
func TestSendPreparedBeforeAcceptFailsFast(t *testing.T) {
	pending := make(chan *ws.Conn, 1)
	proceed := make(chan struct{})
	s, _ := serve(t, func(c *ws.Conn) error {
		pending <- c
		<-proceed
		if err := c.Accept(); err != nil {
			return err
		}
		return c.SendText("accepted by its handler")
	})
	dialed := make(chan *nexotest.Conn, 1)
	go func() {
		c, _, _ := s.TryDial("/ws")
		dialed <- c
	}()
	c := <-pending
	pm := ws.NewPreparedMessage(ws.TextMessage, []byte("fan-out"))
	err := c.SendPrepared(pm)
	if !errors.Is(err, ws.ErrNotAccepted) || c.Accepted() {
		t.Fatalf("SendPrepared before Accept: %v, accepted %v", err, c.Accepted())
	}
	close(proceed)
	cl := <-dialed
	if cl == nil {
		t.Fatal("the handshake failed")
	}
	cl.ExpectText("accepted by its handler")
	cl.ExpectClose(ws.CloseNormal)
}

// TestHostileNeverReadingClientBytes: a client that never reads is sent
// 1 MiB messages. The send queue is bounded in bytes (4 MiB by default),
// not only in messages: the connection is closed with 1013 after a few
// megabytes, counted as a slow consumer, and the heap returns to baseline.
func TestHostileNeverReadingClientBytes(t *testing.T) {
	const msgs = 32
	result := make(chan int, 1)
	s, srv := serveWith(t, []nexotest.ServerOption{nexotest.WithSendBuffer(64 << 10)}, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		msg := make([]byte, 1<<20)
		for i := range msgs {
			if err := c.SendBytes(msg); err != nil {
				result <- i
				return err
			}
		}
		result <- msgs
		<-c.Context().Done()
		return nil
	}, ws.WithLogger(discard()))
	base := leakcheck.Take()
	cl := s.Dial("/ws", nexotest.WithReceiveBuffer(4096))
	sent := <-result
	if sent >= 8 {
		t.Fatalf("%d messages of 1 MiB queued for a client that never reads", sent)
	}
	t.Logf("the send of message %d of 1 MiB found the queue full", sent)
	// The client reads now: what made it out, then 1013.
	for {
		_, _, err := cl.TryRead()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.CloseTryAgainLater {
			t.Fatalf("client got %v, want close 1013", err)
		}
		break
	}
	cl.Close()
	leakcheck.WaitUntil(t, 5*time.Second, "the connection is still held", func() bool { return srv.Len() == 0 })
	if st := srv.Stats(); st.SlowConsumers != 1 {
		t.Fatalf("stats %+v", st)
	}
	base.Settle(t, 2, 2<<20)
}

// TestHostileBadUpgradeFlood: 1,000 upgrade requests with a bad key or an
// unsupported version are refused in plain HTTP (400; 426 with
// Sec-WebSocket-Version: 13, as RFC 6455 4.2.2 asks), before any handler
// runs: none is a handler error, none is logged above debug, each is
// counted once in Stats().Refused and by the Observer. An origin refusal
// counts in Stats().Refused too.
func TestHostileBadUpgradeFlood(t *testing.T) {
	const n = 1000
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	obs := newReasonCounter()
	s, srv := serve(t, echo, ws.WithLogger(logger), ws.WithObserver(obs))
	base := leakcheck.Take()

	client := &http.Client{Timeout: wireTimeout}
	defer client.CloseIdleConnections()
	for i := range n {
		h := upgradeHeader()
		want := http.StatusBadRequest
		switch i % 3 {
		case 0:
			h.Set("Sec-Websocket-Key", "not base64 of sixteen bytes")
		case 1:
			h.Del("Sec-Websocket-Key")
		case 2:
			h.Set("Sec-Websocket-Version", "8")
			want = http.StatusUpgradeRequired
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/ws", nil)
		req.Header = h
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if want == http.StatusUpgradeRequired && resp.Header.Get("Sec-Websocket-Version") != "13" {
			t.Fatalf("426 without Sec-WebSocket-Version: 13 (%v)", resp.Header)
		}
	}
	if _, _, err := s.TryDial("/ws", nexotest.WithOrigin("https://evil.example")); err != nil {
		t.Fatal(err) // the handshake completes, then 4403
	}
	leakcheck.WaitUntil(t, 2*time.Second, "the origin refusal is not counted", func() bool { return srv.Stats().Refused == n+1 })
	st := srv.Stats()
	if st.HandlerErrors != 0 || st.Refused != n+1 {
		t.Fatalf("stats %+v, want 0 handler errors and %d refused", st, n+1)
	}
	if got := obs.count("bad_request") + obs.count("origin"); got != n+1 {
		t.Fatalf("observer saw %v", obs.n)
	}
	if lines := logs.linesAbove(); len(lines) > 0 {
		t.Fatalf("%d lines logged above debug, the first: %s", len(lines), lines[0])
	}
	client.CloseIdleConnections()
	base.Settle(t, 2, 1<<20)
}

// TestSendQueueBytes: a message larger than the byte bound still goes out
// through an empty queue (what follows it must wait until it has been
// written, or meets the policy); under SlowConsumerDrop a send over the bound is
// refused with ErrSendQueueFull, counted, and the connection stays open.
func TestSendQueueBytes(t *testing.T) {
	t.Run("one large message", func(t *testing.T) {
		s, _ := serve(t, func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			if err := c.SendBytes(make([]byte, 256<<10)); err != nil {
				return err
			}
			if _, err := c.ReceiveText(); err != nil { // the client has it
				return err
			}
			return c.SendText("after")
		}, ws.WithSendQueueBytes(64<<10))
		cl := s.Dial("/ws")
		if b := cl.ReadBytes(); len(b) != 256<<10 {
			t.Fatalf("got %d bytes", len(b))
		}
		cl.SendText("got it")
		cl.ExpectText("after")
		cl.ExpectClose(ws.CloseNormal)
	})
	t.Run("drop", func(t *testing.T) {
		release := make(chan struct{})
		dropped := make(chan ws.Stats, 1)
		s, _ := serveWith(t, []nexotest.ServerOption{nexotest.WithSendBuffer(16 << 10)}, func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			chunk := make([]byte, 32<<10)
			for {
				err := c.SendBytes(chunk)
				if errors.Is(err, ws.ErrSendQueueFull) {
					break
				}
				if err != nil {
					return err
				}
			}
			dropped <- c.Stats()
			<-release
			return c.SendText("still open")
		}, ws.WithSendQueue(0, ws.SlowConsumerDrop), ws.WithSendQueueBytes(256<<10))
		cl := s.Dial("/ws", nexotest.WithReceiveBuffer(4096))
		if st := <-dropped; st.Dropped != 1 {
			t.Fatalf("stats %+v", st)
		}
		close(release)
		if got := readUntilText(cl); got != "still open" {
			t.Fatalf("got %q", got)
		}
		cl.ExpectClose(ws.CloseNormal)
	})
}
