package ws_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestSendQueueBytesNoDrift: the byte count of the send queue returns to
// zero as the writer takes frames, so a client that keeps up never meets
// the bound however much it is sent over the connection's life: 200 bursts
// of 32 KiB (6.4 MiB in all) under a 64 KiB bound, each read before the
// next, through the fan-out path.
func TestSendQueueBytesNoDrift(t *testing.T) {
	const rounds, burst = 200, 8
	payload := strings.Repeat("x", 4<<10)
	pm, err := ws.Prepare(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		for r := range rounds {
			for k := range burst {
				// The fan-out path: always queued, never written inline.
				if err := c.SendPrepared(pm); err != nil {
					return fmt.Errorf("round %d, message %d: %w", r, k, err)
				}
			}
			if _, err := c.ReceiveText(); err != nil { // the client's ack
				return err
			}
		}
		return c.SendText("done")
	}, ws.WithSendQueueBytes(64<<10))
	c := s.Dial("/ws")
	for range rounds {
		for range burst {
			if got := c.ReadText(); got != payload {
				t.Fatalf("got %d bytes %.20q, want the 4 KiB payload", len(got), got)
			}
		}
		c.SendText("ack")
	}
	c.ExpectText("done")
}
