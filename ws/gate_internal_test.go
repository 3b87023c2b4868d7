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
// back to the server's pool), which is what keeps idle connections small.
func TestGateHoldsNoBufferBetweenMessages(t *testing.T) {
	held := make(chan bool, 3)
	srv := NewServer(context.Background(), WithHeartbeat(-1, 0))
	hs := httptest.NewServer(srv.Handler(func(c *Conn) error {
		for range cap(held) {
			m, err := c.Receive()
			if err != nil {
				return err
			}
			held <- c.gate == nil || c.gate.buf != nil
			if err := c.Send(m); err != nil {
				return err
			}
		}
		return nil
	}))
	defer hs.Close()
	cl, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/", nil)
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
			t.Fatalf("after a message of %d bytes the connection still holds a read buffer (or has no gate)", len(msg))
		}
	}
}
