package ws_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// TestBufferedAmountAfterSlowConsumerClose: the messages a slow-consumer
// close drops leave the send queue's byte count too. Once the client has
// the close frame, nothing is buffered: BufferedAmount is zero in
// messages and in bytes.
func TestBufferedAmountAfterSlowConsumerClose(t *testing.T) {
	conns := make(chan *ws.Conn, 1)
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		if err := sendUntilFull(c); err != nil {
			return err
		}
		conns <- c
		_, err := c.Receive()
		return err
	}, ws.WithSendQueueBytes(64<<10))
	cl := stalledDial(s)
	c := <-conns
	cl.ExpectClose(ws.CloseTryAgainLater)
	if b := c.BufferedAmount(); b != (ws.Buffered{}) {
		t.Fatalf("buffered %+v once the client has the close frame", b)
	}
}

// TestSlowConsumerBlockOneMessageQueue: under SlowConsumerBlock with a
// one-message queue, a send waiting behind a message the socket took in
// part gets the room as soon as that message leaves the queue: a client
// that reads gets every message, and no send times out.
func TestSlowConsumerBlockOneMessageQueue(t *testing.T) {
	const n, chunk = 16, 32 << 10
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		b := make([]byte, chunk)
		for i := range n {
			b[0] = byte(i)
			if err := c.SendBytes(b); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		return c.SendText(fmt.Sprintf("dropped %d", c.Stats().Dropped))
	}, ws.WithSendQueue(1, ws.SlowConsumerBlock), ws.WithWriteTimeout(time.Second))
	cl := stalledDial(s)
	for i := range n {
		if b := cl.ReadBytes(); len(b) != chunk || b[0] != byte(i) {
			t.Fatalf("message %d: %d bytes, first %d", i, len(b), b[0])
		}
	}
	cl.ExpectText("dropped 0")
	cl.ExpectClose(ws.CloseNormal)
}

// sendUntilFull sends 32 KiB fan-out messages to c until its send queue
// is full, and returns nil then, or the send's error.
func sendUntilFull(c *ws.Conn) error {
	pm := ws.NewPreparedMessage(ws.BinaryMessage, make([]byte, 32<<10))
	for {
		err := c.SendPrepared(pm)
		if errors.Is(err, ws.ErrSendQueueFull) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
