package ws

import (
	"sync"
	"time"
)

// probeDelay is how soon after the handshake the heartbeat checks whether
// the handler reads; if it does not, a background reader takes over so
// that close frames and pongs are seen.
const probeDelay = time.Second

// heartbeat drives pings, pong deadlines and the reader check from one
// runtime timer: an idle connection holds no goroutine for it.
type heartbeat struct {
	mu      sync.Mutex
	t       *time.Timer   // armed again for each phase
	after   time.Duration // how long t was armed for
	pingAt  int64
	phase   uint8
	stopped bool
	beats   bool // the client asked for heartbeat messages (beat.go)
}

const (
	phaseProbe uint8 = iota
	phasePing
	phaseCheck
)

func (h *heartbeat) start(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.cfg.PingInterval > 0 && wantsBeats(c.req.URL.RawQuery) {
		h.beats = true
		c.sendBeat() // the client learns the interval at once
	}
	d := probeDelay
	if c.cfg.PingInterval > 0 && c.cfg.PingInterval < d {
		d = c.cfg.PingInterval
	}
	h.phase, h.after = phaseProbe, d
	h.t = time.AfterFunc(d, func() { h.tick(c) })
}

func (h *heartbeat) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.t != nil {
		h.t.Stop()
	}
}

// tick runs on the timer's goroutine, h.after after it was armed.
func (h *heartbeat) tick(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || c.w.isClosing() {
		return
	}
	c.ensureReader()
	cfg := c.cfg
	var next time.Duration
	switch h.phase {
	case phaseProbe:
		if cfg.PingInterval < 0 {
			return
		}
		h.phase, next = phasePing, max(cfg.PingInterval-h.after, 0)
	case phasePing:
		h.pingAt = time.Now().UnixNano()
		c.sendControl(opPing, nil)
		if h.beats {
			c.sendBeat()
		}
		h.phase, next = phaseCheck, cfg.PongTimeout
	case phaseCheck:
		if c.r.lastSeen.Load() < h.pingAt && c.r.bgState.Load()&bgStoodDown == 0 {
			c.closeWith(CloseHeartbeat, "heartbeat timeout", true)
			return
		}
		h.phase, next = phasePing, max(cfg.PingInterval-cfg.PongTimeout, 0)
	}
	h.after = next
	h.t.Reset(next)
}

// ensureReader starts the background reader when the handler has not read
// since the last tick and is not reading now.
func (c *Conn) ensureReader() {
	r := &c.r
	if r.recent.Swap(false) || !r.mu.TryLock() {
		return
	}
	if r.bg == nil && r.err == nil {
		c.startBackgroundReader()
	}
	r.mu.Unlock()
}
