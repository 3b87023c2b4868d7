package ws

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"
)

// Close starts the closing handshake with code and reason: queued messages
// are written first, then the close frame. Close does not wait; Receive
// returns once the peer answers, and the socket is closed after
// CloseTimeout at the latest. Calling Close before Accept completes the
// handshake first, so that the client sees the code. Close is idempotent:
// only the first code is sent.
//
// A code a close frame may not carry (see ValidCloseCode) closes the
// connection with 1011 instead and returns an error matching
// ErrInvalidCloseCode. A reason that is not valid UTF-8 has its invalid
// bytes replaced with U+FFFD, and one over 123 bytes is cut: the client
// would fail the connection otherwise, and never see the code.
func (c *Conn) Close(code int, reason string) error {
	if c.state.Load() == stateNew {
		if err := c.Accept(); err != nil && err != ErrAlreadyAccepted {
			return err
		}
	}
	if c.state.Load() != stateOpen {
		return ErrNotAccepted
	}
	if !ValidCloseCode(code) {
		c.closeWith(CloseInternalError, "internal error", false)
		return fmt.Errorf("%w: %d", ErrInvalidCloseCode, code)
	}
	c.closeWith(code, reason, false)
	return nil
}

// ValidCloseCode reports whether code may be given to Close: a code RFC
// 6455 lets a close frame carry (1000–1003, 1007–1014, 3000–4999), or
// 1005, which Close sends as a close frame without a code.
func ValidCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code == CloseNoStatus, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

func (w *writer) isClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// closeWith queues a close frame; drop discards the messages still queued.
// It reports whether this call started the close.
func (c *Conn) closeWith(code int, reason string, drop bool) bool {
	return c.closeWithErr(&CloseError{Code: code, Reason: reason}, drop)
}

func (c *Conn) closeWithErr(ce *CloseError, drop bool) bool {
	if c.state.Load() != stateOpen {
		return false
	}
	w := &c.w
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return false
	}
	w.closing = true
	c.closeErr.CompareAndSwap(nil, ce)
	if drop {
		// A partly written frame must still be finished, or the stream
		// breaks before the close frame.
		keep := 0
		if len(w.queue) > 0 && w.queue[0].isRaw() {
			keep = 1
		}
		clear(w.queue[keep:])
		w.queue = w.queue[:keep]
		w.queued = 0 // a partly written frame is not counted (sendbudget.go)
	}
	if w.err == nil {
		w.queue = append(c.takeQueue(), payloadFrame(opClose, closePayload(ce.Code, ce.Reason)))
		c.kickLocked()
	}
	w.mu.Unlock()
	c.cancel(ce)
	c.force.Store(time.AfterFunc(c.cfg.CloseTimeout, c.closeSocket))
	return true
}

// abort ends the connection at once: the socket is closed without a
// closing handshake.
func (c *Conn) abort(ce *CloseError) {
	c.closeErr.CompareAndSwap(nil, ce)
	c.w.mu.Lock()
	c.w.closing = true
	c.w.mu.Unlock()
	c.cancel(c.closeErr.Load())
	c.closeSocket()
}

func (c *Conn) closeSocket() {
	if c.nc != nil {
		c.nc.Close()
	}
}

// endErr is the error returned by operations on an ended connection.
func (c *Conn) endErr() error {
	if ce := c.closeErr.Load(); ce != nil {
		return ce
	}
	return ErrClosed
}

// finish runs after the handler returns: it closes the connection according
// to the handler's result and waits for the closing handshake.
func (c *Conn) finish(err error, stack []byte) {
	log := c.srv.logger
	panicked := stack != nil
	switch {
	case panicked:
		c.srv.stats.panics.Add(1)
		c.srv.obs.Failed(c, err, true)
		log.Error("ws: handler panic", "conn", c.id, "path", c.req.URL.Path, "panic", err, "stack", string(stack))
	case !isNormalEnd(err):
		c.srv.stats.handlerErrors.Add(1)
		c.srv.obs.Failed(c, err, false)
		log.Error("ws: handler error", "conn", c.id, "path", c.req.URL.Path, "err", err)
	}
	c.amu.Lock()
	state := c.state.Load()
	if state == stateNew {
		// The handler neither accepted nor refused: refuse in plain HTTP.
		c.state.Store(stateRejected)
		c.refuseUnaccepted(err)
		c.dropRW()
	}
	c.amu.Unlock()
	if state == stateOpen {
		switch {
		case panicked || !isNormalEnd(err):
			c.closeWith(CloseInternalError, "internal error", false)
		default:
			c.closeWith(CloseNormal, "", false)
		}
		c.drainReads()
		c.waitFlushed(c.cfg.CloseTimeout)
	}
	c.release()
}

// release frees everything the connection holds.
func (c *Conn) release() {
	if !c.cleanups.release() {
		return
	}
	c.closeErr.CompareAndSwap(nil, &CloseError{Code: CloseNormal})
	c.cancel(c.closeErr.Load())
	defer func() {
		if c.ws != nil {
			c.srv.obs.Closed(c, c.closeErr.Load())
		}
	}()
	c.hb.stop()
	if c.limits != nil && c.limits.life != nil {
		c.limits.life.Stop()
	}
	c.stopIdle()
	c.closeSocket()
	c.runCleanups()
	c.cleanups.closeDone()
	if c.r.bg != nil {
		<-c.r.bg.done
	}
	c.waitFlushed(c.cfg.CloseTimeout)
	if t := c.force.Load(); t != nil {
		t.Stop()
	}
	c.srv.untrack(c)
}

// serve runs the handler on the connection's own goroutine, turning a
// panic into an error and its stack, then tears the connection down. It is
// one frame at the bottom of a stack that an idle connection keeps
// (Go only shrinks a stack that is three quarters unused), so it is kept
// small.
func (c *Conn) serve(h HandlerFunc) {
	var err error
	var stack []byte
	defer func() {
		if v := recover(); v != nil {
			err, stack = fmt.Errorf("ws: handler panic: %v", v), debug.Stack()
		}
		c.finish(err, stack)
		c.srv.wg.Done()
	}()
	err = h(c)
}

// refuseUnaccepted answers the request of a handler that returned with err
// without accepting: 403, or 500 when it failed; 503 with Retry-After when
// Shutdown had ended its context, as for a handshake that arrives during
// Shutdown, so that the client retries rather than gives up. The caller
// holds amu.
func (c *Conn) refuseUnaccepted(err error) {
	rw := c.pending.rw
	switch {
	case c.ctx.Err() != nil && c.srv.Draining():
		c.srv.refuse(c.req, RefusedDraining)
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, "server shutting down", http.StatusServiceUnavailable)
	case isNormalEnd(err):
		c.srv.refuse(c.req, RefusedRejected)
		http.Error(rw, http.StatusText(http.StatusForbidden), http.StatusForbidden)
	default:
		c.srv.refuse(c.req, RefusedRejected)
		http.Error(rw, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}
