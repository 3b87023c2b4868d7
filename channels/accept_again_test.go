package channels_test

import (
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// TestAcceptAfterNewChannel: NewChannel accepts the connection itself, so
// a handler written to the older pattern (NewChannel, then c.Accept()) must
// keep working: a second Accept without options is a no-op, and one with
// options, which could no longer apply, says so.
func TestAcceptAfterNewChannel(t *testing.T) {
	type result struct{ plain, withOpts error }
	got := make(chan result, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		r := result{plain: c.Accept(), withOpts: c.Accept(ws.WithSubprotocols("x"))}
		got <- r
		if r.plain != nil {
			return r.plain
		}
		return ch.Send("ok")
	})
	c := e.dial()
	c.ExpectText("ok")
	r := recv(t, got)
	if r.plain != nil {
		t.Fatalf("Accept() after NewChannel = %v, want nil", r.plain)
	}
	if r.withOpts != ws.ErrAlreadyAccepted {
		t.Fatalf("Accept(opts) after NewChannel = %v, want ws.ErrAlreadyAccepted", r.withOpts)
	}
}
