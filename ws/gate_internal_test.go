package ws

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestGateHoldsNoBufferBetweenMessages: once a message has been read and
// nothing more has arrived, the connection holds no read buffer (it went
// back to the server's pool), which is what keeps idle connections small;
// with permessage-deflate too.
func TestGateHoldsNoBufferBetweenMessages(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testGateHoldsNoBuffer(t, false) })
	t.Run("deflate", func(t *testing.T) { testGateHoldsNoBuffer(t, true) })
}

func testGateHoldsNoBuffer(t *testing.T, deflate bool) {
	held := make(chan bool, 3)
	opts := []Option{WithHeartbeat(-1, 0)}
	if deflate {
		opts = append(opts, WithCompression())
	}
	srv := NewServer(context.Background(), opts...)
	hs := httptest.NewServer(srv.Handler(func(c *Conn) error {
		for range cap(held) {
			m, err := c.Receive()
			if err != nil {
				return err
			}
			held <- c.gate == nil || c.gate.buf != nil || c.compress != deflate
			if err := c.Send(m); err != nil {
				return err
			}
		}
		return nil
	}))
	defer hs.Close()
	d := websocket.Dialer{EnableCompression: deflate}
	cl, _, err := d.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, msg := range []string{"small", strings.Repeat("x", 3000), strings.Repeat("y", 100000)} {
		if err := cl.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := cl.ReadMessage(); err != nil || string(got) != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
		}
		if <-held {
			t.Fatalf("after a message of %d bytes the connection still holds a read buffer (or has no gate, or compression is not %v)", len(msg), deflate)
		}
	}
}
