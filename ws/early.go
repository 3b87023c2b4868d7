package ws

// Fan-out frames (SendPrepared) that arrive while the handshake response is
// being written are held in the send queue and written once the handshake
// has completed, so that a client that has seen its handshake complete
// misses nothing published after it. Before that the send fails with
// ErrNotAccepted; a fan-out never waits for a handshake, nor starts one.

// beginUpgrade marks the handshake response as being written.
func (c *Conn) beginUpgrade() {
	c.w.mu.Lock()
	c.w.upgrading = true
	c.w.mu.Unlock()
}

// endUpgrade ends what beginUpgrade started: open makes the connection
// open, keep writes the frames held meanwhile (they are dropped
// otherwise). It does nothing when no upgrade is under way.
func (c *Conn) endUpgrade(open, keep bool) {
	w := &c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.upgrading {
		return
	}
	w.upgrading = false
	if open {
		c.state.Store(stateOpen)
	}
	if len(w.queue) == 0 {
		return
	}
	if keep && open {
		c.kickLocked()
		return
	}
	clear(w.queue)
	w.queue = w.queue[:0]
	w.queued = 0
}

// holdEarly holds f while the handshake response is being written. It
// reports false with no error when the connection has become open
// meanwhile (f is to be sent as usual), and ErrNotAccepted when no
// handshake is under way.
func (c *Conn) holdEarly(f frame) (held bool, err error) {
	w := &c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case c.state.Load() == stateOpen:
		return false, nil
	case !w.upgrading:
		return false, ErrNotAccepted
	case len(w.queue) >= c.srv.defaults.SendQueue || w.overBudget(f.size(), c.srv.defaults.SendQueueBytes):
		return false, ErrSendQueueFull
	}
	w.queue = append(c.takeQueue(), f)
	w.queued += f.size()
	w.countOut(&f)
	return true, nil
}
