package ws_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestSlowConsumerIsolated: 50 readers and one client that never reads are
// all sent 2,000 messages from other goroutines. The readers get every
// message in order; the stalled one is closed with 1013.
func TestSlowConsumerIsolated(t *testing.T) {
	const readers, msgs = 50, 2000
	// Only the send-queue policy may end the stalled connection: on a loaded
	// machine the readers' rounds can outlast the default write timeout (a
	// write blocked that long ends in 1006) or close timeout (the socket is
	// closed before the client reads the 1013), hence the long ones below.
	conns := make(chan *ws.Conn, readers+1)
	ended := make(chan error, readers+1)
	s, _ := serveWith(t, []nexotest.ServerOption{nexotest.WithSendBuffer(64 << 10)}, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		conns <- c
		<-c.Context().Done()
		ended <- context.Cause(c.Context())
		return nil
	}, ws.WithCloseTimeout(2*time.Minute), ws.WithWriteTimeout(2*time.Minute))

	stalled := s.Dial("/ws", nexotest.WithReceiveBuffer(2048))
	stalledConn := <-conns
	clients := make([]*nexotest.Conn, readers)
	server := make([]*ws.Conn, 0, readers+1)
	for i := range clients {
		clients[i] = s.Dial("/ws")
		server = append(server, <-conns)
	}
	server = append(server, stalledConn)

	// Senders go in rounds; a round starts when every reader has read the
	// previous one, so the readers' queues stay short while the stalled
	// client's grows until the policy closes it.
	const round = 200
	rounds := make([]sync.WaitGroup, msgs/round)
	for i := range rounds {
		rounds[i].Add(readers)
	}
	payload := strings.Repeat("x", 1000)
	var wg sync.WaitGroup
	for _, c := range server {
		wg.Go(func() {
			for i := range msgs {
				if i > 0 && i%round == 0 {
					rounds[i/round-1].Wait()
				}
				c.SendText(fmt.Sprintf("%d %s", i, payload))
			}
		})
	}
	errs := make(chan error, readers)
	for _, cl := range clients {
		wg.Go(func() {
			for i := range msgs {
				_, data, err := cl.TryRead()
				if err == nil && !strings.HasPrefix(string(data), fmt.Sprintf("%d ", i)) {
					err = fmt.Errorf("got %.10q", data)
				}
				if err != nil {
					errs <- fmt.Errorf("message %d: %w", i, err)
					for j := i / round; j < len(rounds); j++ {
						rounds[j].Done() // let the senders finish
					}
					return
				}
				if i%round == round-1 {
					rounds[i/round].Done()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The stalled connection was closed by the server while the others
	// were served; its client, reading now, finds the 1013 close frame
	// after the messages that made it out in order.
	if got := ws.CloseStatus(<-ended); got != ws.CloseTryAgainLater {
		t.Fatalf("stalled connection ended with %d, want 1013", got)
	}
	next := 0
	for {
		_, data, err := stalled.TryRead()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != ws.CloseTryAgainLater {
				t.Fatalf("stalled client got close %d, want 1013", ce.Code)
			}
			break
		}
		if err != nil {
			t.Fatalf("stalled client: %v", err)
		}
		if want := fmt.Sprintf("%d ", next); !strings.HasPrefix(string(data), want) {
			t.Fatalf("stalled client got %.10q, want prefix %q", data, want)
		}
		next++
	}
	if next >= msgs {
		t.Fatalf("stalled client got all %d messages; it was never slow", next)
	}
	for _, cl := range clients {
		cl.CloseNormal()
	}
}

// TestHeartbeatPushOnly: a handler that never reads still detects a client
// that stops answering pings, within interval + timeout.
func TestHeartbeatPushOnly(t *testing.T) {
	const interval, timeout = 100 * time.Millisecond, 100 * time.Millisecond
	ended := make(chan error, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		<-c.Context().Done()
		ended <- context.Cause(c.Context())
		return nil
	}, ws.WithHeartbeat(interval, timeout), ws.WithCloseTimeout(100*time.Millisecond))

	// A client that never reads never answers pings: it has vanished.
	c := s.Dial("/ws")
	start := time.Now()
	err := <-ended
	if got := ws.CloseStatus(err); got != ws.CloseHeartbeat {
		t.Fatalf("ended with %v, want 4000", err)
	}
	if d := time.Since(start); d > 5*(interval+timeout) {
		t.Fatalf("took %v to notice", d)
	}
	c.Close()
}

// TestHeartbeatKeepsLiveClient: a reading client answers pings and the
// push-only connection stays up across many intervals.
func TestHeartbeatKeepsLiveClient(t *testing.T) {
	const interval = 20 * time.Millisecond
	s, _ := serve(t, func(c *ws.Conn) error {
		for i := range 20 {
			// Pace by the client: each tick is one message.
			if err := c.SendText(fmt.Sprint(i)); err != nil {
				return err
			}
			select {
			case <-time.After(interval):
			case <-c.Context().Done():
				return context.Cause(c.Context())
			}
		}
		return c.Close(ws.CloseNormal, "done")
	}, ws.WithHeartbeat(interval, interval))
	c := s.Dial("/ws")
	for i := range 20 {
		c.ExpectText(fmt.Sprint(i))
	}
	c.ExpectClose(ws.CloseNormal)
}

// TestPeerCloseSeenByPushHandler: a handler that never reads learns that
// the client closed.
func TestPeerCloseSeenByPushHandler(t *testing.T) {
	ended := make(chan error, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		c.Accept()
		<-c.Context().Done()
		ended <- context.Cause(c.Context())
		return nil
	})
	c := s.Dial("/ws")
	c.CloseNormal()
	err := <-ended
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.CloseNormal || !ce.Remote {
		t.Fatalf("got %#v", err)
	}
}

func TestHandlerErrorAndPanicClose1011(t *testing.T) {
	for name, h := range map[string]ws.HandlerFunc{
		"error": func(c *ws.Conn) error { c.Accept(); return errors.New("boom") },
		"panic": func(c *ws.Conn) error { c.Accept(); panic("boom") },
	} {
		t.Run(name, func(t *testing.T) {
			s, srv := serve(t, h, ws.WithLogger(discard()))
			s.Dial("/ws").ExpectClose(ws.CloseInternalError)
			// Other connections are unaffected.
			other := s.Dial("/ws")
			other.ExpectClose(ws.CloseInternalError)
			st := srv.Stats()
			if st.HandlerErrors+st.Panics < 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestReadLimitAndUTF8(t *testing.T) {
	s, _ := serve(t, echo, ws.WithReadLimit(16))
	c := s.Dial("/ws")
	c.SendText(strings.Repeat("a", 16))
	c.ExpectText(strings.Repeat("a", 16))
	c.SendText(strings.Repeat("a", 17))
	c.ExpectClose(ws.CloseMessageTooBig)

	c = s.Dial("/ws")
	c.WriteMessage(websocket.TextMessage, []byte{0xff, 0xfe})
	c.ExpectClose(ws.CloseInvalidPayload)
}

func TestCompressionReadLimitBoundsInflatedSize(t *testing.T) {
	s, _ := serve(t, echo, ws.WithReadLimit(1024), ws.WithCompression())
	c := s.Dial("/ws", nexotest.WithCompression())
	c.EnableWriteCompression(true)
	c.SendText("small")
	c.ExpectText("small")
	// 1 MiB of zeros compresses to about a kilobyte.
	c.SendText(strings.Repeat("\x00", 1<<20))
	c.ExpectClose(ws.CloseMessageTooBig)
}

func TestOriginCheck(t *testing.T) {
	s, _ := serve(t, echo, ws.WithOrigins("https://*.example.com"))
	s.Dial("/ws", nexotest.WithOrigin("https://evil.test")).ExpectClose(ws.CloseForbidden)
	ok := s.Dial("/ws", nexotest.WithOrigin("https://app.example.com"))
	ok.SendText("hi")
	ok.ExpectText("hi")
	same := s.Dial("/ws", nexotest.WithOrigin(s.URL))
	same.SendText("hi")
	same.ExpectText("hi")
	ok.CloseNormal()
	same.CloseNormal()
}

func TestMaxLifetime(t *testing.T) {
	s, _ := serve(t, echo, ws.WithMaxLifetime(50*time.Millisecond))
	ce := s.Dial("/ws").ExpectClose(ws.CloseGoingAway)
	if !strings.Contains(ce.Reason, "lifetime") {
		t.Fatalf("reason %q", ce.Reason)
	}
}

func TestShutdownClosesWith1001(t *testing.T) {
	s, srv := serve(t, echo)
	var clients []*nexotest.Conn
	for range 20 {
		c := s.Dial("/ws")
		c.SendText("up")
		c.ExpectText("up")
		clients = append(clients, c)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background(), 100*time.Millisecond) }()
	for _, c := range clients {
		go func() { c.ExpectClose(ws.CloseGoingAway) }()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := srv.Len(); n != 0 {
		t.Fatalf("%d connections left", n)
	}
	if _, resp, err := s.TryDial("/ws"); err == nil || resp.StatusCode != 503 {
		t.Fatalf("dial after shutdown: %v", err)
	}
}

func TestConcurrentSendsNeverInterleave(t *testing.T) {
	const senders, each = 8, 500
	s, _ := serve(t, func(c *ws.Conn) error {
		var wg sync.WaitGroup
		for g := range senders {
			wg.Go(func() {
				for i := range each {
					c.SendJSON(map[string]int{"g": g, "i": i})
				}
			})
		}
		wg.Wait()
		return c.Close(ws.CloseNormal, "")
	}, ws.WithSendQueue(senders*each, ws.SlowConsumerClose)) // a burst, not a slow client
	c := s.Dial("/ws")
	last := make(map[int]int)
	for range senders * each {
		var m map[string]int
		c.ReadJSON(&m)
		if prev, ok := last[m["g"]]; ok && m["i"] != prev+1 {
			t.Fatalf("sender %d: %d after %d", m["g"], m["i"], prev)
		}
		last[m["g"]] = m["i"]
	}
	c.ExpectClose(ws.CloseNormal)
}

// TestHeartbeatReadingHandler: a handler blocked in Receive also learns
// that its client vanished, and its Receive returns.
func TestHeartbeatReadingHandler(t *testing.T) {
	ended := make(chan error, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		_, err := c.Receive()
		ended <- err
		return err
	}, ws.WithHeartbeat(50*time.Millisecond, 50*time.Millisecond), ws.WithCloseTimeout(50*time.Millisecond))
	c := s.Dial("/ws") // never reads, so never answers a ping
	if got := ws.CloseStatus(<-ended); got != ws.CloseHeartbeat {
		t.Fatalf("Receive ended with code %d, want 4000", got)
	}
	c.Close()
}

func TestSubprotocolSelection(t *testing.T) {
	s, _ := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(ws.WithSubprotocols("nexo.v2", "nexo.v1")); err != nil {
			return err
		}
		return c.SendText("speaking " + c.Subprotocol())
	})
	c := s.Dial("/ws", nexotest.WithSubprotocols("nexo.v1", "other"))
	if got := c.Response.Header.Get("Sec-WebSocket-Protocol"); got != "nexo.v1" {
		t.Fatalf("handshake chose %q", got)
	}
	c.ExpectText("speaking nexo.v1")
	c.ExpectClose(ws.CloseNormal)
}
