package tracing

import (
	"net/http"

	"github.com/nexogo/nexo/ws"
)

// Observer returns a ws.Observer that makes the handshake and connection
// spans and then passes every call on to next (nil for none), so that
// tracing and metrics can both observe a server.
func (t *Tracer) Observer(next ws.Observer) ws.Observer {
	return &observer{t: t, next: next}
}

type observer struct {
	t    *Tracer
	next ws.Observer
}

func (o *observer) Opened(c *ws.Conn) {
	o.t.opened(c)
	if o.next != nil {
		o.next.Opened(c)
	}
}

func (o *observer) Refused(r *http.Request, reason string) {
	o.t.refused(r, reason)
	if o.next != nil {
		o.next.Refused(r, reason)
	}
}

func (o *observer) Closed(c *ws.Conn, how *ws.CloseError) {
	o.t.closed(c, how)
	if o.next != nil {
		o.next.Closed(c, how)
	}
}

func (o *observer) Failed(c *ws.Conn, err error, panicked bool) {
	o.t.failed(c, err, panicked)
	if o.next != nil {
		o.next.Failed(c, err, panicked)
	}
}

func (o *observer) SlowConsumer(c *ws.Conn) {
	o.t.slowConsumer(c)
	if o.next != nil {
		o.next.SlowConsumer(c)
	}
}
