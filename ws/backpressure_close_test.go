package ws_test

import (
	"errors"
	"testing"

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
		pm := ws.NewPreparedMessage(ws.BinaryMessage, make([]byte, 32<<10))
		for {
			err := c.SendPrepared(pm)
			if errors.Is(err, ws.ErrSendQueueFull) {
				break
			}
			if err != nil {
				return err
			}
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
