package ws

// Handler serves one WebSocket connection. ServeWS runs before the
// handshake (call c.Accept, or let the first Send or Receive do it) and the
// connection is closed when it returns: with 1000 when it returns nil or the
// error of a connection that already ended, with 1011 for any other error or
// a panic, which are logged.
type Handler interface {
	ServeWS(c *Conn) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(c *Conn) error

// ServeWS calls f(c).
func (f HandlerFunc) ServeWS(c *Conn) error { return f(c) }

// Middleware wraps a handler. It runs before the handshake, so it can read
// the request, store values with c.Set, refuse with c.Close or c.Reject and
// return without calling next, or change settings with c.Configure.
type Middleware func(next HandlerFunc) HandlerFunc

// Chain is a list of middleware, applied in order: the first one runs
// first.
type Chain []Middleware

// Then returns h wrapped by every middleware in the chain.
func (ch Chain) Then(h HandlerFunc) HandlerFunc {
	for i := len(ch) - 1; i >= 0; i-- {
		h = ch[i](h)
	}
	return h
}
