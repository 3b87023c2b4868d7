package ws_test

import (
	"errors"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// TestClosed: Closed is false before and after the handshake, and true as
// soon as either side closes.
func TestClosed(t *testing.T) {
	t.Run("peer closes", func(t *testing.T) {
		conns := make(chan *ws.Conn, 1)
		s, _ := serve(t, func(c *ws.Conn) error {
			if c.Closed() {
				return errors.New("closed before the handshake")
			}
			if err := c.Accept(); err != nil {
				return err
			}
			conns <- c
			_, err := c.Receive()
			if !c.Closed() {
				return errors.New("open after the peer's close")
			}
			return err
		})
		cl := s.Dial("/ws")
		c := <-conns
		if c.Closed() {
			t.Fatal("closed once accepted")
		}
		cl.CloseNormal()
		<-c.Done()
		if !c.Closed() {
			t.Fatal("open once torn down")
		}
	})
	t.Run("server closes", func(t *testing.T) {
		s, _ := serve(t, func(c *ws.Conn) error {
			c.Close(ws.ClosePolicyViolation, "bye")
			if !c.Closed() {
				return errors.New("open after Close")
			}
			return c.SendText("after close") // refused: the client sees only the close
		})
		s.Dial("/ws").ExpectClose(ws.ClosePolicyViolation)
	})
}
