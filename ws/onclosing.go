package ws

// OnClosing arranges for f to run once the connection starts to close,
// when its Context ends: a close frame was sent or received, the socket
// failed, the handshake was refused or timed out, the Server is shutting
// down or its base context ended. Like context.AfterFunc(c.Context(), f),
// f runs on a goroutine of its own (so it may take locks its caller
// holds), at once when the connection is closing already; it costs a few
// dozen bytes per connection where context.AfterFunc costs about 500.
// stop cancels the call and reports whether it did so before f started.
//
// Use AfterClose for what must wait until the connection is torn down.
func (c *Conn) OnClosing(f func()) (stop func() bool) {
	return c.cleanups.register(f, true, c.ctx)
}

// cancel ends the connection's context with cause and starts the OnClosing
// functions. Every end of the context goes through it, except the end of
// the Server's base context, which startClosing follows.
func (c *Conn) cancel(cause error) {
	c.cancelCtx(cause)
	c.startClosing()
}

// startClosing starts the OnClosing functions, each on a goroutine of its
// own, the first time it is called once the context has ended.
func (c *Conn) startClosing() {
	cl := &c.cleanups
	cl.mu.Lock()
	if cl.closing || c.ctx.Err() == nil {
		cl.mu.Unlock()
		return
	}
	cl.closing = true
	var fns []func()
	for i, e := range cl.fns {
		if e.early() && e.f != nil {
			fns = append(fns, e.f)
			cl.fns[i].f = nil
			cl.dead++
		}
	}
	cl.compact()
	cl.mu.Unlock()
	for _, f := range fns {
		go f()
	}
}

// baseEnded starts the OnClosing functions of every live connection when
// the Server's base context ends, which ends theirs.
func (s *Server) baseEnded() {
	for _, c := range s.Conns() {
		c.startClosing()
	}
}
