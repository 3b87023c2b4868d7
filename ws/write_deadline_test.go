package ws_test

import (
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// TestReplyAfterWriteTimeoutElapsed: a reply written on the handler's
// goroutine (the raw-socket fast path) after more than the write timeout
// has passed since the last flush must go out. A write deadline left armed
// by that flush would have expired and failed the reply, ending the
// connection.
func TestReplyAfterWriteTimeoutElapsed(t *testing.T) {
	const timeout = 20 * time.Millisecond
	s, _ := serve(t, func(c *ws.Conn) error {
		// Not a reply: queued, written by a flusher.
		if err := c.SendText("first"); err != nil {
			return err
		}
		// The condition under test is time passing: wait until any
		// deadline that flush could have armed has expired.
		<-time.After(5 * timeout)
		m, err := c.Receive()
		if err != nil {
			return err
		}
		// A reply: written inline on this goroutine.
		if err := c.SendText("echo " + string(m.Data)); err != nil {
			return err
		}
		m, err = c.Receive()
		if err != nil {
			return err
		}
		return c.SendText("echo " + string(m.Data))
	}, ws.WithWriteTimeout(timeout))
	c := s.Dial("/ws")
	c.ExpectText("first")
	c.SendText("a")
	c.ExpectText("echo a")
	c.SendText("b")
	c.ExpectText("echo b")
	c.ExpectClose(ws.CloseNormal)
}
