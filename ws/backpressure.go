package ws

import "time"

// Buffered is what a connection's send queue holds: the messages queued
// and not yet written to the socket, and their bytes (payloads as sent,
// before framing and compression).
type Buffered struct {
	Messages int
	Bytes    int
}

// BufferedAmount returns what the connection's send queue holds, as
// uWebSockets' getBufferedAmount and the browser's bufferedAmount do (in
// messages and bytes). A send that would take it past SendQueue messages or
// SendQueueBytes bytes meets the SlowConsumerPolicy. The bytes of the
// batch being written and of a message the socket took in part are
// counted until the socket takes them (at most 256 KiB more than the
// queue's own count); control frames are not.
func (c *Conn) BufferedAmount() Buffered {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	return c.w.bufferedLocked()
}

// bufferedLocked is BufferedAmount with w.mu held.
func (w *writer) bufferedLocked() Buffered {
	b := Buffered{Messages: len(w.queue), Bytes: w.queued}
	if b.Messages > 0 && w.queue[0].isRaw() {
		// The unwritten rest of a batch: its frames were counted as sent.
		b.Messages--
		b.Bytes += w.queue[0].n
	}
	if n := len(w.queue); n > 0 && w.queue[n-1].op == opClose && !w.queue[n-1].isRaw() {
		b.Messages--
	}
	return b
}

// drainMarks returns the low-water marks of OnDrain, in bytes and
// messages; a mark of -1 never holds the drain back.
func (c *Conn) drainMarks() (bytes, msgs int) {
	cfg := c.cfg
	bytes = cfg.DrainLowWater
	if bytes <= 0 {
		bytes = -1
		if cfg.SendQueueBytes > 0 {
			bytes = cfg.SendQueueBytes / 2
		}
	}
	return bytes, cfg.SendQueue / 2
}

// aboveLocked reports whether the queue is above a low-water mark of
// OnDrain. Called with w.mu held.
func (c *Conn) aboveLocked() bool {
	bytes, msgs := c.drainMarks()
	b := c.w.bufferedLocked()
	return (bytes >= 0 && b.Bytes > bytes) || b.Messages > msgs
}

// armDrainLocked notes that the queue went above its low-water mark, or
// that a send found it full, so that OnDrain is called once it falls back.
// Called with w.mu held, only when OnDrain is set.
func (c *Conn) armDrainLocked(full bool) {
	if full || c.aboveLocked() {
		c.w.high = true
	}
}

// drainedLocked calls OnDrain, on a goroutine of its own, when the queue
// has fallen to its low-water mark since it was armed; while a call runs,
// it notes the drain for that goroutine to call OnDrain again (runDrain),
// so that calls never overlap. Called with w.mu held, once a batch has
// been written whole.
func (c *Conn) drainedLocked() {
	if !c.w.high || c.aboveLocked() {
		return
	}
	c.w.high = false
	if fn := c.cfg.OnDrain; fn != nil && !c.w.closing {
		if c.w.draining {
			c.w.drainAgain = true
			return
		}
		c.w.draining = true
		go c.runDrain(fn)
	}
}

// runDrain calls fn, and again as long as a drain came during the call
// and the queue is still at its low-water mark (fn may have filled it:
// the drain is then armed again).
func (c *Conn) runDrain(fn func(c *Conn)) {
	w := &c.w
	for {
		fn(c)
		w.mu.Lock()
		again := w.drainAgain && !w.closing && w.err == nil
		w.drainAgain = false
		if again && c.aboveLocked() {
			w.high, again = true, false
		}
		w.draining = again
		w.mu.Unlock()
		if !again {
			return
		}
	}
}

// roomLocked reports whether a frame of size bytes fits in the queue.
// Called with w.mu held.
func (c *Conn) roomLocked(size int) bool {
	return len(c.w.queue) < c.cfg.SendQueue && !c.w.overBudget(size, c.cfg.SendQueueBytes)
}

// waitRoom waits, under SlowConsumerBlock, until a frame of size bytes fits
// in the queue, for WriteTimeout at most. It returns with w.mu held and nil
// when there is room; otherwise with w.mu released and the error the send
// returns: the connection's end, or ErrSendQueueFull (counted as dropped)
// on time out. Called with w.mu released.
func (c *Conn) waitRoom(size int) error {
	w := &c.w
	var timeout <-chan time.Time
	for {
		w.mu.Lock()
		if w.closing || w.err != nil {
			w.mu.Unlock()
			return c.endErr()
		}
		if c.roomLocked(size) {
			return nil
		}
		if w.room == nil {
			w.room = make(chan struct{})
		}
		room := w.room
		w.mu.Unlock()
		if timeout == nil {
			c.stats.waited.Add(1)
			t := time.NewTimer(c.cfg.WriteTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-room:
		case <-c.ctx.Done():
			return c.endErr()
		case <-timeout:
			c.stats.dropped.Add(1)
			return ErrSendQueueFull
		}
	}
}

// roomFreedLocked wakes the sends waiting for room, once a flush has taken
// frames out of the queue or the connection has ended. Called with w.mu
// held.
func (w *writer) roomFreedLocked() {
	if w.room != nil {
		close(w.room)
		w.room = nil
	}
}
