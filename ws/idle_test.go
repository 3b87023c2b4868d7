package ws_test

import (
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// TestIdleTimeout: a client that sends no data message for IdleTimeout is
// closed with 1001 "idle timeout", though it answers every heartbeat; one
// that keeps sending stays open for several timeouts, and is closed once
// it falls quiet.
func TestIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	opts := []ws.Option{ws.WithIdleTimeout(idle), ws.WithHeartbeat(50*time.Millisecond, time.Second)}
	t.Run("idle", func(t *testing.T) {
		s, _ := serve(t, echo, opts...)
		start := time.Now()
		cl := s.Dial("/ws") // its reads answer the pings
		ce := cl.ExpectClose(ws.CloseGoingAway)
		if ce.Reason != ws.IdleReason {
			t.Fatalf("reason %q, want %q", ce.Reason, ws.IdleReason)
		}
		if d := time.Since(start); d < idle {
			t.Fatalf("closed after %v, before the idle timeout", d)
		}
	})
	t.Run("chatty", func(t *testing.T) {
		s, _ := serve(t, echo, opts...)
		cl := s.Dial("/ws")
		start := time.Now()
		var quiet time.Time
		for time.Since(start) < 3*idle {
			quiet = time.Now()
			cl.SendText("hi")
			cl.ExpectText("hi") // fails if the connection was closed
		}
		if ce := cl.ExpectClose(ws.CloseGoingAway); ce.Reason != ws.IdleReason {
			t.Fatalf("reason %q", ce.Reason)
		}
		if d := time.Since(quiet); d < idle {
			t.Fatalf("closed %v after the last message, before the idle timeout", d)
		}
	})
	t.Run("push handler", func(t *testing.T) {
		// A handler that never reads: the timer needs no reader.
		s, _ := serve(t, func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			<-c.Context().Done()
			return nil
		}, opts...)
		if ce := s.Dial("/ws").ExpectClose(ws.CloseGoingAway); ce.Reason != ws.IdleReason {
			t.Fatalf("reason %q", ce.Reason)
		}
	})
}

// TestIdleTimeoutHeldMessage: a message the handler has not taken yet
// counts as activity (docs/connections.md): a client whose message waits
// for a handler that does not read is not closed as idle, however long the
// handler takes, while one that sent nothing is.
func TestIdleTimeoutHeldMessage(t *testing.T) {
	const idle = 200 * time.Millisecond
	s, _ := serve(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		select { // a handler busy elsewhere for many idle timeouts
		case <-time.After(6 * idle):
			return c.Close(ws.CloseNormal, "done")
		case <-c.Context().Done():
			return nil
		}
	}, ws.WithIdleTimeout(idle), ws.WithHeartbeat(50*time.Millisecond, time.Second))
	cl := s.Dial("/ws")
	cl.SendText("waiting for you")
	if ce := cl.ExpectClose(ws.CloseNormal); ce.Reason != "done" {
		t.Fatalf("reason %q", ce.Reason)
	}
}
