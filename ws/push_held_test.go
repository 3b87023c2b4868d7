package ws_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// overPlainAndTLS runs f over a plain socket and over TLS, where the read
// gate cannot wait on the raw socket.
func overPlainAndTLS(t *testing.T, f func(t *testing.T, sopts []nexotest.ServerOption)) {
	t.Run("plain", func(t *testing.T) { f(t, nil) })
	t.Run("TLS", func(t *testing.T) { f(t, []nexotest.ServerOption{nexotest.WithTLS()}) })
}

// pushOnly is a handler that never reads: it reports why its connection
// ended.
func pushOnly(ended chan<- error) ws.HandlerFunc {
	return func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		<-c.Context().Done()
		ended <- context.Cause(c.Context())
		return nil
	}
}

// endedWithin waits for the handler's end, failing after d.
func endedWithin(t *testing.T, ended <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-ended:
		return err
	case <-time.After(d):
		t.Fatalf("the push-only handler's connection was still open after %v", d)
		return nil
	}
}

// TestHeartbeatPushOnlyAfterAMessage: a handler that never reads still
// detects a client that stops answering pings when that client has sent a
// message first (a keepalive, a subscribe the endpoint ignores): the
// message waits for the handler, the pings and pongs do not.
func TestHeartbeatPushOnlyAfterAMessage(t *testing.T) {
	overPlainAndTLS(t, func(t *testing.T, sopts []nexotest.ServerOption) {
		const interval, timeout = 100 * time.Millisecond, 100 * time.Millisecond
		ended := make(chan error, 1)
		s, _ := serveWith(t, sopts, pushOnly(ended), ws.WithHeartbeat(interval, timeout), ws.WithCloseTimeout(100*time.Millisecond))
		c := s.Dial("/ws")
		c.SendText("hello")
		// The client reads nothing from now on, so it answers no ping.
		err := endedWithin(t, ended, 30*(interval+timeout))
		if got := ws.CloseStatus(err); got != ws.CloseHeartbeat {
			t.Fatalf("ended with %v, want 4000", err)
		}
		c.Close()
	})
}

// TestPeerCloseSeenByPushHandlerAfterAMessage: a handler that never reads
// learns that the client closed, when the client sent a message before its
// close frame.
func TestPeerCloseSeenByPushHandlerAfterAMessage(t *testing.T) {
	overPlainAndTLS(t, func(t *testing.T, sopts []nexotest.ServerOption) {
		ended := make(chan error, 1)
		s, _ := serveWith(t, sopts, pushOnly(ended), ws.WithHeartbeat(100*time.Millisecond, 100*time.Millisecond))
		c := s.Dial("/ws")
		c.SendText("hello")
		c.CloseNormal()
		err := endedWithin(t, ended, 5*time.Second)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.CloseNormal || !ce.Remote {
			t.Fatalf("ended with %#v, want the client's 1000", err)
		}
	})
}

// TestPeerGoneSeenByPushHandlerAfterAMessage: a handler that never reads
// learns that the client's socket closed without a close frame, when the
// client sent a message first.
func TestPeerGoneSeenByPushHandlerAfterAMessage(t *testing.T) {
	overPlainAndTLS(t, func(t *testing.T, sopts []nexotest.ServerOption) {
		ended := make(chan error, 1)
		s, _ := serveWith(t, sopts, pushOnly(ended), ws.WithHeartbeat(time.Hour, time.Hour))
		c := s.Dial("/ws")
		c.SendText("hello")
		c.Close()
		err := endedWithin(t, ended, 5*time.Second)
		if got := ws.CloseStatus(err); got != ws.CloseAbnormal {
			t.Fatalf("ended with %v, want 1006", err)
		}
	})
}
