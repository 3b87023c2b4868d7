package ws_test

import (
	"net"
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// TestFailedReplyEndsPromptly checks that a reply whose inline write fails
// (the peer reset the connection) gives the writing role up, so that the
// connection is torn down at once instead of waiting out CloseTimeout for
// a flush that will never come.
func TestFailedReplyEndsPromptly(t *testing.T) {
	const closeTimeout = 20 * time.Second
	reset := make(chan struct{})
	conns := make(chan *ws.Conn, 1)
	failed := make(chan error, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		if _, err := c.Receive(); err != nil {
			return err
		}
		conns <- c
		<-reset
		for {
			if err := c.SendText("late reply"); err != nil {
				failed <- err
				return err
			}
		}
	}, ws.WithCloseTimeout(closeTimeout), ws.WithLogger(discard()))

	cl := s.Dial("/ws")
	cl.SendText("hello")
	c := <-conns
	tcp := cl.NetConn().(*net.TCPConn)
	tcp.SetLinger(0) // close with a reset
	tcp.Close()
	close(reset)
	<-failed
	select {
	case <-c.Done():
	case <-time.After(closeTimeout / 4):
		t.Fatal("the connection waited for a flush after its reply failed")
	}
}
