package ws

import "fmt"

// An idle connection keeps the stack its handler's goroutine grew to
// before it first waited: Go never shrinks a stack back while its
// goroutine waits in Receive (it shrinks one only when three quarters of
// it are free), and a goroutine starts with 2 KiB. Every frame on the
// paths a handler waits on — Receive, and Accept's wait for the handshake
// that Serve's goroutine performs — counts against those 2 KiB, together
// with the handler's own frames and its middleware's. The functions here
// keep the rarer parts of those paths out of their frames.

// acceptToRead is Receive's implicit handshake.
//
//go:noinline
func (c *Conn) acceptToRead() error {
	if err := c.Accept(); err != nil && err != ErrAlreadyAccepted {
		return err
	}
	return nil
}

// receiveBackground is Receive once a background reader owns the socket
// (see startBackgroundReader). It is called with c.r.mu held.
//
//go:noinline
func (c *Conn) receiveBackground() (Message, error) {
	r := &c.r
	r.mu.Unlock()
	res, ok := r.bg.take(r)
	if !ok {
		return Message{}, c.endErr()
	}
	return res.m, res.err
}

// refuseOrigin closes a connection whose origin the handshake refused,
// with 4403, and returns Accept's error.
//
//go:noinline
func (c *Conn) refuseOrigin() error {
	ce := &CloseError{Code: CloseForbidden, Reason: reasonOrigin}
	c.closeWithErr(ce, false)
	return fmt.Errorf("ws: origin %q: %w", c.req.Header.Get("Origin"), ce)
}
