package ws

import "time"

// IdleReason is the reason of the close frame (code 1001) sent to a
// connection closed by IdleTimeout.
const IdleReason = "idle timeout"

// The idle timeout is one runtime timer per connection, armed for the
// whole timeout and never reset by traffic: a data message only stores the
// time it arrived (reader.lastData, next to the time the heartbeat reads).
// When the timer fires it looks at that time, and either closes the
// connection or arms itself again for what is left. A busy connection
// costs one timer firing per timeout, and no goroutine.

// startIdle arms the idle timer when the connection has an IdleTimeout.
// Called once, by the handshake.
func (c *Conn) startIdle() {
	d := c.cfg.IdleTimeout
	if d <= 0 {
		return
	}
	c.r.lastData.Store(time.Now().UnixNano())
	// Armed once c.limits.idle is set, which idleCheck reads; the
	// handshake made c.limits.
	c.limits.idle = time.AfterFunc(time.Duration(1<<63-1), c.idleCheck)
	c.limits.idle.Reset(d)
}

// idleCheck runs when the idle timer fires.
func (c *Conn) idleCheck() {
	if c.ctx.Err() != nil {
		return // closing: release stops the timer
	}
	d := c.cfg.IdleTimeout
	quiet := time.Duration(time.Now().UnixNano() - c.r.lastData.Load())
	// A background reader holding a message the handler has not taken yet
	// means the peer did send: the handler is just slow to read it.
	if quiet < d || c.r.bgState.Load()&bgHeld != 0 {
		c.limits.idle.Reset(max(d-quiet, time.Millisecond))
		return
	}
	c.closeWith(CloseGoingAway, IdleReason, false)
}

// stopIdle stops the idle timer. Called by release.
func (c *Conn) stopIdle() {
	if c.limits != nil && c.limits.idle != nil {
		c.limits.idle.Stop()
	}
}
