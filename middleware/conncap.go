package middleware

import (
	"container/list"
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxClients is how many client addresses a RateLimit tracks at
// most when RateLimitOptions.MaxClients is zero.
const DefaultMaxClients = 65536

// clientTable holds the per-client state of one RateLimit: a handshake
// token bucket and the count of open connections of each client address.
//
// It needs no goroutine. Entries of clients with open connections are
// pinned; the others sit in an LRU list and are dropped once idle long
// enough for their bucket to be full again, which loses nothing, during the
// next admission. When the table is full, the least recently seen idle
// client is forgotten early (its bucket refills at once); when every entry
// is pinned, new clients are refused with 1013.
type clientTable struct {
	rate     rate.Limit
	burst    int
	maxConns int
	max      int
	ttl      time.Duration // idle time after which an entry holds no state
	v6Bits   int
	now      func() time.Time

	mu      sync.Mutex
	entries map[netip.Addr]*clientEntry
	idle    list.List // of *clientEntry with no open connection; front: most recent
}

type clientEntry struct {
	key  netip.Addr
	lim  *rate.Limiter // nil without a handshake rate
	open int
	seen time.Time
	elem *list.Element // in idle while open == 0
}

// admission is the outcome of clientTable.admit.
type admission int

const (
	admitted admission = iota
	overRate
	overCap
	tableFull
)

func newClientTable(r rate.Limit, burst, maxConns, maxClients, v6Bits int) *clientTable {
	t := &clientTable{
		rate:     r,
		burst:    burst,
		maxConns: maxConns,
		max:      maxClients,
		v6Bits:   v6Bits,
		now:      time.Now,
		entries:  make(map[netip.Addr]*clientEntry),
	}
	if r > 0 && r != rate.Inf {
		// A bucket that has been idle this long is full: forgetting it
		// changes nothing.
		refill := float64(burst)/float64(r)*float64(time.Second) + float64(time.Second)
		t.ttl = time.Duration(min(refill, float64(math.MaxInt64/2)))
	}
	return t
}

// key is the table key of a client address: IPv6 addresses are grouped by
// their v6Bits prefix (a /64 by default), since one host commonly holds a
// whole /64.
func (t *clientTable) key(a netip.Addr) netip.Addr {
	if a.Is6() && t.v6Bits < 128 {
		p, err := a.Prefix(t.v6Bits)
		if err == nil {
			return p.Addr()
		}
	}
	return a
}

// admit counts a handshake from a. When it is admitted, release must be
// called once the connection has ended.
func (t *clientTable) admit(a netip.Addr) (admission, func()) {
	k := t.key(a)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweepLocked(now)
	e := t.entries[k]
	switch {
	case e != nil:
		if e.elem != nil {
			t.idle.Remove(e.elem)
			e.elem = nil
		}
	case len(t.entries) >= t.max:
		back := t.idle.Back()
		if back == nil {
			return tableFull, nil
		}
		t.removeLocked(back.Value.(*clientEntry))
		fallthrough
	default:
		e = &clientEntry{key: k}
		if t.rate > 0 {
			e.lim = rate.NewLimiter(t.rate, t.burst)
		}
		t.entries[k] = e
	}
	e.seen = now
	switch {
	case e.lim != nil && !e.lim.AllowN(now, 1):
		t.parkLocked(e)
		return overRate, nil
	case t.maxConns > 0 && e.open >= t.maxConns:
		t.parkLocked(e)
		return overCap, nil
	}
	e.open++
	var once sync.Once
	return admitted, func() { once.Do(func() { t.release(e) }) }
}

func (t *clientTable) release(e *clientEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.open--
	e.seen = t.now()
	t.parkLocked(e)
}

// parkLocked puts an entry without open connections at the front of the
// idle list.
func (t *clientTable) parkLocked(e *clientEntry) {
	if e.open == 0 && e.elem == nil {
		e.elem = t.idle.PushFront(e)
	}
}

// sweepLocked drops the idle entries that hold no state any more.
func (t *clientTable) sweepLocked(now time.Time) {
	for back := t.idle.Back(); back != nil; back = t.idle.Back() {
		e := back.Value.(*clientEntry)
		if now.Sub(e.seen) < t.ttl {
			return
		}
		t.removeLocked(e)
	}
}

func (t *clientTable) removeLocked(e *clientEntry) {
	t.idle.Remove(e.elem)
	e.elem = nil
	delete(t.entries, e.key)
}

// len returns how many clients the table tracks.
func (t *clientTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
