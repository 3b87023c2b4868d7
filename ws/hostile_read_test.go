package ws_test

// Hostile and unlucky input on the read path, over a plain socket and over
// TLS alike: control frames straddling the read buffer, ping floods,
// compression bombs, corrupt DEFLATE data. Each case checks the close code
// the peer sees and that the server's goroutines and heap come back to
// where they were.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// transport is how a test client reaches the server.
type transport struct {
	name string
	tls  bool
}

func transports() []transport { return []transport{{"plain", false}, {"tls", true}} }

// serveOverWith serves h at /ws on a loopback server, over TLS when tr
// says so, with the send buffer of the server's sockets set to sndBuf bytes
// (0: the system's), so that a client that does not read fills it quickly.
func serveOverWith(tb testing.TB, tr transport, sndBuf int, h ws.HandlerFunc, opts ...ws.Option) *hostServer {
	tb.Helper()
	srv := ws.NewServer(context.Background(), opts...)
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(h))
	return serveHTTP(tb, tr, sndBuf, shutdowner{mux, srv})
}

// serveHTTP serves h on a loopback server until the end of tb.
func serveHTTP(tb testing.TB, tr transport, sndBuf int, h http.Handler) *hostServer {
	tb.Helper()
	var opts []nexotest.ServerOption
	if sndBuf > 0 {
		opts = append(opts, nexotest.WithSendBuffer(sndBuf))
	}
	if tr.tls {
		opts = append(opts, nexotest.WithTLS())
	}
	ns := nexotest.NewServer(tb, h, opts...)
	s := &hostServer{addr: ns.Listener.Addr().String()}
	if tr.tls {
		s.tls = ns.Client().Transport.(*http.Transport).TLSClientConfig
	}
	return s
}

// hostServer is a test server that wire clients and gorilla clients dial.
type hostServer struct {
	addr string
	tls  *tls.Config // nil: plain TCP
}

// wire opens a wire client to /ws, closed at the end of t; extensions are
// offered as Sec-WebSocket-Extensions.
func (s *hostServer) wire(t testing.TB, extensions string) *wireConn {
	t.Helper()
	d := &net.Dialer{Timeout: wireTimeout}
	var nc net.Conn
	var err error
	if s.tls != nil {
		nc, err = tls.DialWithDialer(d, "tcp", s.addr, s.tls)
	} else {
		nc, err = d.Dial("tcp", s.addr)
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return handshakeWire(t, nc, s.addr, "/ws", extensions)
}

// gorilla opens a gorilla client to /ws, closed at the end of t.
func (s *hostServer) gorilla(t testing.TB) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: s.tls, HandshakeTimeout: wireTimeout}
	scheme := "ws://"
	if s.tls != nil {
		scheme = "wss://"
	}
	c, _, err := d.Dial(scheme+s.addr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// resources is a snapshot of the process's goroutines and live heap.
type resources struct {
	goroutines int
	heap       uint64
}

func measure() resources {
	// Twice: the first collection moves what sync.Pools hold (read
	// buffers, flush batches) to their victim caches, where it still
	// counts as live; the second frees it. A pool's size depends on how
	// many Ps were busy, which a loaded machine changes.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return resources{runtime.NumGoroutine(), ms.HeapAlloc}
}

// expectBaseline waits until the goroutines are back to base and the live
// heap within slack bytes of it, and fails the test when they are not
// within a few seconds.
func expectBaseline(t *testing.T, base resources, slack uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		now := measure()
		if now.goroutines <= base.goroutines && now.heap <= base.heap+slack {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines %d (baseline %d), heap %d KiB (baseline %d KiB, slack %d KiB)",
				now.goroutines, base.goroutines, now.heap>>10, base.heap>>10, slack>>10)
		}
		time.Sleep(20 * time.Millisecond) // polling a count, as goleak does: there is no event for it
	}
}

// expectPongs reads frames until the pong answering the last of pings, and
// checks that every pong answers one of pings, in the order they were sent
// (a ping may go unanswered when a later one is: RFC 6455, section 5.5.3).
func expectPongs(c *wireConn, pings [][]byte) {
	c.t.Helper()
	next := 0
	for next < len(pings) {
		op, data, _ := c.readMessage()
		if op != wPong {
			c.fatalf("want a pong, got op %d with %d bytes", op, len(data))
		}
		i := next
		for i < len(pings) && !bytes.Equal(pings[i], data) {
			i++
		}
		if i == len(pings) {
			c.fatalf("pong %.20q answers no ping sent after the last answered one", data)
		}
		next = i + 1
	}
}

// handlerEnd returns what the handler returned, or fails the test when it
// does not return within a few seconds.
func handlerEnd(t *testing.T, ended <-chan error) error {
	t.Helper()
	select {
	case err := <-ended:
		return err
	case <-time.After(2 * wireTimeout):
		t.Fatal("the handler did not see the connection end")
		return nil
	}
}

// closeNormally sends a message, expects its echo, then closes with 1000
// and expects the server's 1000 and the end of the socket.
func closeNormally(c *wireConn) {
	c.t.Helper()
	c.send(wFin|wText, []byte("still here"))
	c.expect(wText, []byte("still here"))
	c.send(wFin|wClose, closePayloadOf(1000, ""))
	if got := c.readClose(); got.code != 1000 || len(got.extra) > 0 {
		c.fatalf("got close %d %q (%v) after %v, want 1000", got.code, got.reason, got.err, got.extra)
	}
	c.expectEOF()
}

// TestHostileStraddledControlFrames: control frames that arrive in the same
// write as a message, or in a run longer than the read buffer, straddle the
// end of what one read of the socket brings in; the connection carries on.
func TestHostileStraddledControlFrames(t *testing.T) {
	cases := []struct {
		name string
		run  func(c *wireConn)
	}{
		{"a 1,000-byte message and a pong in one write", func(c *wireConn) {
			msg := pattern(1000, true)
			b := c.encodeFrame(wFin|wText, msg, false)
			b = append(b, c.encodeFrame(wFin|wPong, []byte("heartbeat reply 0123456789"), false)...)
			c.writeRaw(b)
			c.expect(wText, msg)
		}},
		{"8 pings of 125 bytes in one write", func(c *wireConn) {
			var b []byte
			var pings [][]byte
			for i := range 8 {
				p := bytes.Repeat([]byte{byte('a' + i)}, 125)
				pings = append(pings, p)
				b = append(b, c.encodeFrame(wFin|wPing, p, false)...)
			}
			c.writeRaw(b)
			expectPongs(c, pings)
		}},
		{"pings of every size around the buffer's end", func(c *wireConn) {
			for size := 1000; size < 1030; size++ {
				msg := pattern(size, true)
				ping := []byte(fmt.Sprintf("ping after %d bytes, padded to 125 bytes:%0100d", size, 0))[:125]
				b := c.encodeFrame(wFin|wText, msg, false)
				c.writeRaw(append(b, c.encodeFrame(wFin|wPing, ping, false)...))
				var got [][]byte
				for range 2 {
					_, data, _ := c.readMessage()
					got = append(got, data)
				}
				if !bytes.Equal(got[0], ping) && !bytes.Equal(got[1], ping) {
					c.fatalf("after a %d-byte message: no pong", size)
				}
			}
		}},
	}
	for _, tr := range transports() {
		for _, tc := range cases {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				s, ended := echoOver(t, tr, 0)
				base := measure()
				c := s.wire(t, "")
				tc.run(c)
				closeNormally(c)
				if err := handlerEnd(t, ended); ws.CloseStatus(err) != ws.CloseNormal {
					t.Fatalf("handler saw %v, want a normal close", err)
				}
				expectBaseline(t, base, 256<<10)
			})
		}
	}
}

// TestHostileSameOverTLS: the checks made in front of gorilla's reader
// apply over TLS as on a plain socket, with the same close code.
func TestHostileSameOverTLS(t *testing.T) {
	cases := []struct {
		name string
		ext  string
		run  func(c *wireConn)
	}{
		{"close frame with a 1-byte body", "", func(c *wireConn) {
			c.send(wFin|wClose, []byte{3})
		}},
		{"deflate: RSV1 on a ping", "permessage-deflate", func(c *wireConn) {
			c.send(wFin|wRsv1|wPing, []byte("x"))
		}},
		{"deflate: RSV1 on a continuation", "permessage-deflate", func(c *wireConn) {
			c.send(wText, []byte("a"))
			c.send(wFin|wRsv1|wCont, []byte("b"))
		}},
	}
	for _, tr := range transports() {
		for _, tc := range cases {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				s, ended := echoOver(t, tr, 0, ws.WithCompression())
				c := s.wire(t, tc.ext)
				tc.run(c)
				if got := c.readClose(); got.code != ws.CloseProtocolError {
					t.Fatalf("got close %d %q (%v), want 1002", got.code, got.reason, got.err)
				}
				if err := handlerEnd(t, ended); ws.CloseStatus(err) != ws.CloseProtocolError {
					t.Fatalf("handler saw %v, want 1002", err)
				}
			})
		}
	}
}

// TestHostilePingFlood: a client that writes pings and never reads gets at
// most one pong queued at a time; once the pongs it does not read pass
// the send queue, the connection is closed as a slow consumer (1013), and
// the server's heap stays flat meanwhile.
func TestHostilePingFlood(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s, ended := echoOver(t, tr, 16<<10)
			base := measure()
			c := s.wire(t, "")
			var batch []byte
			for len(batch) < 1<<20 {
				batch = append(batch, c.encodeFrame(wFin|wPing, bytes.Repeat([]byte{'p'}, 125), false)...)
			}
			const flood = 20 << 20
			for sent := 0; sent < flood; sent += len(batch) {
				c.nc.SetWriteDeadline(time.Now().Add(wireTimeout))
				if _, err := c.nc.Write(batch); err != nil {
					if !peerGone(err) && !isTimeout(err) {
						t.Fatalf("after %d MiB of pings: %v", sent>>20, err)
					}
					break // the server closed, or stopped reading once it had
				}
			}
			if grown := int64(measure().heap) - int64(base.heap); grown > 4<<20 {
				t.Fatalf("after %d MiB of pings the server's heap grew by %d MiB", flood>>20, grown>>20)
			}
			if err := handlerEnd(t, ended); ws.CloseStatus(err) != ws.CloseTryAgainLater {
				t.Fatalf("handler saw %v, want 1013", err)
			}
			c.nc.Close()
			expectBaseline(t, base, 1<<20)
		})
	}
}

// echoOver serves the echo handler over tr and returns the server and what
// the handler returns.
func echoOver(t *testing.T, tr transport, sndBuf int, opts ...ws.Option) (*hostServer, <-chan error) {
	t.Helper()
	ended := make(chan error, 1)
	s := serveOverWith(t, tr, sndBuf, func(c *ws.Conn) error {
		err := echo(c)
		ended <- err
		return err
	}, append(protoDefaults(), opts...)...)
	return s, ended
}

// keepSending writes 1 MiB of messages without reading, as a client does
// that has not yet seen the server's close frame.
func keepSending(c *wireConn) {
	c.t.Helper()
	var b []byte
	for range 16 {
		b = append(b, c.encodeFrame(wFin|wBin, make([]byte, 64<<10), false)...)
	}
	c.writeRaw(b)
}

// expectServerClose reads the server's close frame and checks its code,
// answers it, and checks that the server then ends the socket and the
// handler saw the same code.
func expectServerClose(t *testing.T, c *wireConn, ended <-chan error, code int) {
	t.Helper()
	got := c.readClose()
	if got.code != code {
		t.Fatalf("got close %d %q (%v), want %d", got.code, got.reason, got.err, code)
	}
	c.send(wFin|wClose, closePayloadOf(code, ""))
	c.expectEOF()
	if err := handlerEnd(t, ended); ws.CloseStatus(err) != code {
		t.Fatalf("handler saw %v, want %d", err, code)
	}
}

// TestHostileCloseReachesSendingClient: a client that writes all it has
// before it reads, one of its messages over the read limit, then reads
// every reply and the server's 1009: the server reads on after its close
// frame, up to the peer's close frame, rather than closing the socket on
// unread data (a reset, which drops what the client has not received yet).
func TestHostileCloseReachesSendingClient(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s, ended := echoOver(t, tr, 0, ws.WithReadLimit(64<<10))
			base := measure()
			c := s.gorilla(t)
			const replies = 200
			for i := range replies {
				if err := c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "%04d%4092d", i, 0)); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
			}
			for i := range 8 {
				if err := c.WriteMessage(websocket.BinaryMessage, make([]byte, 256<<10)); err != nil {
					t.Fatalf("message %d over the limit: %v", i, err)
				}
			}
			c.SetReadDeadline(time.Now().Add(wireTimeout))
			for i := range replies {
				if _, got, err := c.ReadMessage(); err != nil || string(got[:4]) != fmt.Sprintf("%04d", i) {
					t.Fatalf("reply %d: %.4q, %v", i, got, err)
				}
			}
			_, _, err := c.ReadMessage() // gorilla answers the close frame
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.CloseMessageTooBig {
				t.Fatalf("the client read %v, want close 1009", err)
			}
			c.Close()
			if err := handlerEnd(t, ended); ws.CloseStatus(err) != ws.CloseMessageTooBig {
				t.Fatalf("handler saw %v, want 1009", err)
			}
			expectBaseline(t, base, 1<<20)
		})
	}
}

// TestHostileCorruptDeflate: a compressed message that does not inflate
// gets a close frame with 1007, not a bare end of the socket (RFC 6455,
// section 7.1.7).
func TestHostileCorruptDeflate(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s, ended := echoOver(t, tr, 0, ws.WithCompression())
			base := measure()
			c := s.wire(t, "permessage-deflate")
			c.send(wFin|wRsv1|wBin, []byte{0xff, 0xff, 0xff, 0xff, 0xff})
			keepSending(c)
			expectServerClose(t, c, ended, ws.CloseInvalidPayload)
			expectBaseline(t, base, 256<<10)
		})
	}
}

// TestHostileCompressedLimit: with permessage-deflate, the read limit
// applies to the inflated message: a message of the limit that does not
// compress (a little larger on the wire) is accepted, and a bomb that
// inflates past it gets 1009.
func TestHostileCompressedLimit(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name+"/incompressible message of the limit", func(t *testing.T) {
			s, ended := echoOver(t, tr, 0, ws.WithCompression())
			c := s.wire(t, "permessage-deflate")
			data := make([]byte, ws.DefaultReadLimit)
			rand.Read(data)
			if n := len(deflateMessage(t, data)); n <= ws.DefaultReadLimit {
				t.Fatalf("random data compressed to %d bytes, under the limit", n)
			}
			c.sendCompressed(wBin, data, 0)
			c.expect(wBin, data)
			closeNormally(c)
			if err := handlerEnd(t, ended); ws.CloseStatus(err) != ws.CloseNormal {
				t.Fatalf("handler saw %v, want a normal close", err)
			}
		})
		t.Run(tr.name+"/bomb", func(t *testing.T) {
			s, ended := echoOver(t, tr, 0, ws.WithCompression())
			base := measure()
			c := s.wire(t, "permessage-deflate")
			c.send(wFin|wRsv1|wBin, deflateZeros(t, 64))
			expectServerClose(t, c, ended, ws.CloseMessageTooBig)
			expectBaseline(t, base, 1<<20)
		})
	}
}

// TestHostileTopBitLength: a 64-bit payload length with its most
// significant bit set breaks RFC 6455 (section 5.2): 1002, not 1009.
func TestHostileTopBitLength(t *testing.T) {
	for _, tr := range transports() {
		t.Run(tr.name, func(t *testing.T) {
			s, ended := echoOver(t, tr, 0)
			base := measure()
			c := s.wire(t, "")
			b := binary.BigEndian.AppendUint64([]byte{wFin | wBin, 0x80 | 127}, 1<<63|5)
			c.writeRaw(append(b, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'))
			keepSending(c)
			expectServerClose(t, c, ended, ws.CloseProtocolError)
			expectBaseline(t, base, 256<<10)
		})
	}
}
