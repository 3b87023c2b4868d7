package ws_test

import (
	"net/http"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// closedObserver tells when a connection has been torn down and
// untracked, and counts refusals by reason.
type closedObserver struct {
	closed  chan *ws.Conn
	refused chan string
}

func (o closedObserver) Opened(*ws.Conn)                     {}
func (o closedObserver) Closed(c *ws.Conn, _ *ws.CloseError) { o.closed <- c }
func (o closedObserver) Failed(*ws.Conn, error, bool)        {}
func (o closedObserver) SlowConsumer(*ws.Conn)               {}
func (o closedObserver) Refused(_ *http.Request, reason string) {
	o.refused <- reason
}

// TestMaxConnections checks that a handshake over the server's bound is
// closed with 1013 before the handler runs, that the connections already
// open are unaffected, and that a slot freed is taken again.
func TestMaxConnections(t *testing.T) {
	obs := closedObserver{closed: make(chan *ws.Conn, 8), refused: make(chan string, 8)}
	ran := make(chan struct{}, 8)
	s, _ := serve(t, func(c *ws.Conn) error {
		ran <- struct{}{}
		return echo(c)
	}, ws.WithMaxConnections(2), ws.WithObserver(obs), ws.WithLogger(discard()))

	a, b := s.Dial("/ws"), s.Dial("/ws")
	<-ran
	<-ran
	over := s.Dial("/ws")
	if ce := over.ExpectClose(ws.CloseTryAgainLater); ce.Reason != "server at connection limit" {
		t.Fatalf("reason %q", ce.Reason)
	}
	if r := <-obs.refused; r != "limit" {
		t.Fatalf("refused as %q", r)
	}
	<-obs.closed // the refused one, gone
	select {
	case <-ran:
		t.Fatal("the handler ran for a connection over the limit")
	default:
	}
	a.SendText("still here")
	a.ExpectText("still here")

	b.CloseNormal()
	<-obs.closed
	c := s.Dial("/ws")
	<-ran
	c.SendText("in")
	c.ExpectText("in")
	a.CloseNormal()
	c.CloseNormal()
}
