package ws_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestPerMessageCompression: the same prepared messages fanned out to a
// client that negotiated permessage-deflate and to one that did not. Under
// WithCompressionOnRequest only the message made by NewCompressedMessage
// is compressed, and only for the first client; under WithCompression
// every message to the first client is. Both clients read the right bytes.
func TestPerMessageCompression(t *testing.T) {
	data := []byte(strings.Repeat("compress me once for everyone ", 200))
	for _, tc := range []struct {
		name string
		opt  ws.Option
		// whether the deflate client gets each message compressed: the
		// compressed prepared message, the plain one, a direct send
		want [3]bool
	}{
		{"on request", ws.WithCompressionOnRequest(), [3]bool{true, false, false}},
		{"every message", ws.WithCompression(), [3]bool{true, true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conns := make(chan *ws.Conn, 2)
			s, _ := serve(t, func(c *ws.Conn) error {
				if err := c.Accept(); err != nil {
					return err
				}
				conns <- c
				_, err := c.Receive()
				return err
			}, tc.opt)
			deflate := dialWire(t, s.URL, "/ws", "permessage-deflate")
			plain := dialWire(t, s.URL, "/ws", "")
			if !deflate.deflate || plain.deflate {
				t.Fatalf("negotiated: %v and %v", deflate.deflate, plain.deflate)
			}
			compressed := ws.NewCompressedMessage(ws.TextMessage, data)
			prepared := ws.NewPreparedMessage(ws.TextMessage, data)
			for range 2 {
				c := <-conns
				for _, pm := range []*ws.PreparedMessage{compressed, prepared} {
					if err := c.SendPrepared(pm); err != nil {
						t.Fatal(err)
					}
				}
				if err := c.SendText(string(data)); err != nil {
					t.Fatal(err)
				}
			}
			for _, cl := range []*wireConn{deflate, plain} {
				for i := range 3 {
					f, err := cl.readFrame()
					if err != nil {
						t.Fatal(err)
					}
					got, want := f.b0&wRsv1 != 0, cl.deflate && tc.want[i]
					if got != want {
						t.Fatalf("deflate %v, message %d: compressed %v, want %v", cl.deflate, i, got, want)
					}
					p := f.payload
					if got {
						if len(p) >= len(data)/4 {
							t.Fatalf("message %d: %d bytes compressed from %d", i, len(p), len(data))
						}
						if p, err = inflateMessage(p); err != nil {
							t.Fatal(err)
						}
					}
					if f.op() != wText || !f.final() || !bytes.Equal(p, data) {
						t.Fatalf("deflate %v, message %d: %v", cl.deflate, i, f)
					}
				}
			}
		})
	}
}

// TestPrepareCompressed: PrepareCompressed encodes as Prepare does and asks
// for compression, leaving a prepared message it is given unchanged.
func TestPrepareCompressed(t *testing.T) {
	pm, err := ws.PrepareCompressed(map[string]int{"n": 1})
	if err != nil || !pm.Compressed() || pm.Type() != ws.TextMessage || string(pm.Data()) != `{"n":1}` {
		t.Fatalf("got %v %v %v %q", err, pm.Compressed(), pm.Type(), pm.Data())
	}
	plain := ws.NewPreparedMessage(ws.BinaryMessage, []byte{1, 2})
	c, err := ws.PrepareCompressed(plain)
	if err != nil || !c.Compressed() || plain.Compressed() || c.Type() != ws.BinaryMessage || !bytes.Equal(c.Data(), []byte{1, 2}) {
		t.Fatalf("from a prepared message: %v %v %v", err, c.Compressed(), plain.Compressed())
	}
	if again, _ := ws.PrepareCompressed(c); again != c {
		t.Fatal("a compressed message was copied again")
	}
}
