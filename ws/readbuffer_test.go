package ws_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// TestReadBufferBoundaries sends messages smaller and larger than the read
// buffer back to back, without waiting for the echoes, so that frames
// straddle every buffer boundary: each comes back whole and in order, for
// the default buffer and for one of 128 bytes.
func TestReadBufferBoundaries(t *testing.T) {
	for _, opts := range [][]ws.Option{nil, {ws.WithReadBuffer(128)}} {
		t.Run(fmt.Sprintf("options=%d", len(opts)), func(t *testing.T) {
			s, _ := serve(t, echo, opts...)
			c := s.Dial("/ws")
			var sent [][]byte
			for i := range 300 {
				size := []int{1, 60, 127, 128, 129, 1023, 1024, 1025, 3000, 70000}[i%10]
				b := bytes.Repeat([]byte{byte('a' + i%26)}, size)
				sent = append(sent, b)
				if err := c.WriteMessage(websocket.BinaryMessage, b); err != nil {
					t.Fatal(err)
				}
			}
			for i, want := range sent {
				if got := c.ReadBytes(); !bytes.Equal(got, want) {
					t.Fatalf("message %d: %d bytes, want %d", i, len(got), len(want))
				}
			}
			c.CloseNormal()
		})
	}
}
