package ws

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Stats counts a connection's traffic. Bytes are payload bytes, without
// frame headers.
type Stats struct {
	MessagesIn  uint64
	MessagesOut uint64
	BytesIn     uint64
	BytesOut    uint64
	// Dropped counts messages refused because the send queue was full,
	// under SlowConsumerDrop, and under SlowConsumerBlock (fan-out sends,
	// and direct sends that waited WriteTimeout in vain).
	Dropped uint64
	// Waited counts sends that waited for room in the send queue under
	// SlowConsumerBlock.
	Waited uint64
}

type connStats struct {
	msgsIn, bytesIn, dropped, waited atomic.Uint64
}

// Stats returns the connection's traffic counters so far.
func (c *Conn) Stats() Stats {
	c.w.mu.Lock()
	msgsOut, bytesOut := c.w.msgsOut, c.w.bytesOut
	c.w.mu.Unlock()
	return Stats{
		MessagesIn:  c.stats.msgsIn.Load(),
		MessagesOut: msgsOut,
		BytesIn:     c.stats.bytesIn.Load(),
		BytesOut:    bytesOut,
		Dropped:     c.stats.dropped.Load(),
		Waited:      c.stats.waited.Load(),
	}
}

// ServerStats counts what a Server has seen since it started.
type ServerStats struct {
	// Open is the number of live connections, accepted or not yet.
	Open int
	// Accepted counts completed handshakes.
	Accepted uint64
	// Refused counts upgrade requests refused before or at the handshake,
	// origin refusals included (their handshake completes, so that the
	// client sees 4403: they count in Accepted too).
	Refused uint64
	// RefusedBy counts the refusals by reason (RefusedOrigin,
	// RefusedTimeout, ...), the reasons the Observer is given.
	RefusedBy map[string]uint64
	// SlowConsumers counts connections closed because their send queue
	// filled up.
	SlowConsumers uint64
	// HandlerErrors counts handlers that returned an error other than the
	// connection ending.
	HandlerErrors uint64
	// Panics counts handlers that panicked.
	Panics uint64
}

type serverStats struct {
	accepted, refused, slow, handlerErrors, panics atomic.Uint64
	refusedBy                                      reasonCounts
}

// reasonCounts counts refusals by reason.
type reasonCounts struct {
	mu sync.Mutex
	n  map[string]uint64
}

func (rc *reasonCounts) add(reason string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.n == nil {
		rc.n = make(map[string]uint64)
	}
	rc.n[reason]++
}

func (rc *reasonCounts) snapshot() map[string]uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return maps.Clone(rc.n)
}
