package ws_test

// Tests of the gate in front of gorilla's reader (gate.go): frames that
// arrive a byte at a time, so that the server's reads end inside headers,
// masks and payloads; control frames between and inside messages; a peer
// that vanishes mid-frame.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// sendSplit writes a frame one byte per write (Go sockets do not delay
// small writes), so that the server sees it arrive in pieces.
func (c *wireConn) sendSplit(b0 byte, payload []byte) {
	c.t.Helper()
	for _, x := range c.encodeFrame(b0, payload, false) {
		c.writeRaw([]byte{x})
	}
}

// splitAnswered sends a frame split byte by byte and expects an answer of
// type op with the same payload: a pong, or the echo.
func splitAnswered(b0 byte, p []byte, op byte) func(*wireConn) {
	return func(c *wireConn) {
		c.sendSplit(b0, p)
		c.expect(op, p)
	}
}

func TestGateSplitFrames(t *testing.T) {
	cases := []protoCase{
		{name: "ping split", run: splitAnswered(wFin|wPing, []byte("split"), wPong)},
		{name: "ping of 125 bytes split", run: splitAnswered(wFin|wPing, pattern(125, false), wPong)},
		{name: "pong split, then a message", run: func(c *wireConn) {
			c.sendSplit(wFin|wPong, []byte("unsolicited"))
			c.send(wFin|wText, []byte("after"))
			c.expect(wText, []byte("after"))
		}},
		{name: "text with a 16-bit length split", run: splitAnswered(wFin|wText, pattern(300, true), wText)},
		{name: "binary with a 64-bit length, header split", run: func(c *wireConn) {
			p := pattern(70000, false)
			b := c.encodeFrame(wFin|wBin, p, false)
			for _, x := range b[:14] {
				c.writeRaw([]byte{x})
			}
			c.writeRaw(b[14:])
			c.expect(wBin, p)
		}},
		{name: "split pings between split fragments", run: func(c *wireConn) {
			c.sendSplit(wText, []byte("frag"))
			c.sendSplit(wFin|wPing, []byte("1"))
			c.sendSplit(wCont, []byte("men"))
			c.sendSplit(wFin|wPing, []byte("2"))
			c.sendSplit(wFin|wCont, []byte("ted"))
			expectPongs(c, [][]byte{[]byte("1"), []byte("2")})
			c.expect(wText, []byte("fragmented"))
		}},
		{name: "pings and a message in one write", run: func(c *wireConn) {
			b := c.encodeFrame(wFin|wPing, []byte("a"), false)
			b = append(b, c.encodeFrame(wFin|wText, []byte("middle"), false)...)
			b = append(b, c.encodeFrame(wFin|wPing, []byte("b"), false)...)
			c.writeRaw(b)
			// Pongs go out in order, and may overtake queued messages;
			// pong a may be left out, superseded by pong b.
			var got []string
			for !slices.Contains(got, "10:b") || !slices.Contains(got, "1:middle") {
				op, data, _ := c.readMessage()
				got = append(got, fmt.Sprintf("%d:%s", op, data))
			}
			if i, j := slices.Index(got, "10:a"), slices.Index(got, "10:b"); i > j {
				c.fatalf("got %q, want pong a, if any, before pong b", got)
			}
		}},
		{name: "close split", run: func(c *wireConn) {
			c.sendSplit(wFin|wClose, closePayloadOf(4000, "split close"))
		}, close: 4000, closes: true},
		{name: "ping with RSV1 set", run: func(c *wireConn) {
			c.send(wFin|wRsv1|wPing, []byte("x"))
		}, close: 1002},
		{name: "ping without FIN", run: func(c *wireConn) {
			c.send(wPing, []byte("x"))
		}, close: 1002},
		{name: "ping announcing 126 bytes, split", run: func(c *wireConn) {
			c.sendSplit(wFin|wPing, pattern(126, false))
		}, close: 1002},
	}
	runProto(t, cases)
}

// TestGatePeerVanishesMidFrame: a client that sends part of a header and
// goes away ends the handler with 1006, the same as between messages.
func TestGatePeerVanishesMidFrame(t *testing.T) {
	for _, cut := range []int{1, 2, 5, 7} {
		ended := make(chan error, 1)
		s, _ := serve(t, func(c *ws.Conn) error {
			err := echo(c)
			ended <- err
			return err
		}, protoDefaults()...)
		c := dialWire(t, s.URL, "/ws", "")
		c.writeRaw(c.encodeFrame(wFin|wText, []byte("never finished"), false)[:cut])
		c.nc.Close()
		select {
		case err := <-ended:
			if code := ws.CloseStatus(err); code != ws.CloseAbnormal {
				t.Fatalf("cut after %d bytes: handler saw %v (status %d), want %d", cut, err, code, ws.CloseAbnormal)
			}
		case <-time.After(2 * wireTimeout):
			t.Fatalf("cut after %d bytes: the handler did not see the connection end", cut)
		}
	}
}

// FuzzGate sends arbitrary bytes after the handshake, then the end of the
// stream: whatever they are, the server ends the connection (close frame or
// not) instead of hanging or crashing, and the handler returns.
func FuzzGate(f *testing.F) {
	seed := &wireConn{maskSeed: 1}
	f.Add(seed.encodeFrame(wFin|wPing, []byte("p"), false))
	f.Add(append(seed.encodeFrame(wText, []byte("frag"), false), seed.encodeFrame(wFin|wPing, nil, false)...))
	f.Add(seed.encodeFrame(wFin|wClose, []byte{3}, false))
	f.Add(appendWireHeader(nil, wFin|wBin, 1<<62, []byte{1, 2, 3, 4}))
	f.Add([]byte{0x89, 0xfe, 0x00})
	ended := make(chan error, 1)
	srv := ws.NewServer(context.Background(), protoDefaults()...)
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(func(c *ws.Conn) error {
		err := echo(c)
		ended <- err
		return err
	}))
	s := nexotest.NewServer(f, shutdowner{mux, srv})
	f.Fuzz(func(t *testing.T, b []byte) {
		c := dialWire(t, s.URL, "/ws", "")
		c.writeRaw(b)
		c.nc.(*net.TCPConn).CloseWrite()
		c.nc.SetReadDeadline(time.Now().Add(2 * wireTimeout))
		if _, err := io.Copy(io.Discard, c.nc); err != nil && !peerGone(err) {
			t.Fatalf("the server did not end the connection: %v", err)
		}
		select {
		case <-ended:
		case <-time.After(2 * wireTimeout):
			t.Fatal("the handler did not return")
		}
	})
}
