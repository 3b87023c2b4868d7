package ws

import (
	"runtime"
	"sync"
)

// flushPool writes the send queues of a server's connections on a few
// goroutines shared by all of them, one fewer than the CPUs at most, that
// exist only while some connection has something to write. A fan-out to thousands
// of connections then costs a queue insertion per connection, not a
// goroutine started, scheduled and ended per connection; and connections
// are written in the order they became ready, so the later ones have
// gathered more frames by the time their turn comes.
//
// A pool write never blocks: when a socket's buffer is full, that
// connection's rest is written by a goroutine of its own (Conn.flushLoop),
// so one stalled client never holds up the others.
type flushPool struct {
	max int // goroutines at most: GOMAXPROCS-1 (or 1) when the server was made

	mu      sync.Mutex
	ready   []*Conn // FIFO from head
	head    int
	workers int
}

// newFlushPool sizes the pool to one goroutine fewer than GOMAXPROCS (one
// at least): a fan-out's publisher and the handlers keep a thread, and
// each connection gathers more frames before its write. With two CPUs
// and 1,000 subscribers that cost 15-25 % less CPU per delivery than a
// goroutine per CPU (docs/BENCHMARKS.md).
func newFlushPool() flushPool { return flushPool{max: max(1, runtime.GOMAXPROCS(0)-1)} }

// push queues c, which holds the flushing role, for a pool goroutine,
// starting one when fewer than p.max run.
func (p *flushPool) push(c *Conn) {
	p.mu.Lock()
	if p.head > 1024 && p.head > len(p.ready)/2 {
		n := copy(p.ready, p.ready[p.head:])
		clear(p.ready[n:])
		p.ready, p.head = p.ready[:n], 0
	}
	p.ready = append(p.ready, c)
	start := p.workers < p.max
	if start {
		p.workers++
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

// pop returns the next ready connection, or nil, and then the calling
// goroutine leaves the pool.
func (p *flushPool) pop() *Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.head == len(p.ready) {
		clear(p.ready)
		p.ready, p.head = p.ready[:0], 0
		p.workers--
		return nil
	}
	c := p.ready[p.head]
	p.ready[p.head] = nil
	p.head++
	return c
}

// yieldEvery is how many connections a pool goroutine writes before it
// yields its thread to other runnable goroutines, and the CPU to other
// threads. Its writes are raw system calls that never hand the thread over
// (sys_raw.go), so under a long fan-out the pool's goroutines would
// otherwise keep every thread until the runtime preempts them, 10 ms later:
// a broker's receive loop or a handler woken by the network would wait that
// long. And a socket write never sleeps, so the kernel takes the CPU from a
// pool thread only at the end of its time slice (up to a few milliseconds):
// a thread woken meanwhile (the runtime's network poller woken by a
// broker's reply, the broker itself on the same machine) waits for that.
// With two instances behind Redis, that wait was most of each synchronous
// PUBLISH's round trip (docs/BENCHMARKS.md, "Across instances").
const yieldEvery = 32

func (p *flushPool) work() {
	b := batchPool.Get().(*batch)
	defer batchPool.Put(b)
	n := 0
	for c := p.pop(); c != nil; c = p.pop() {
		c.flushShared(b)
		if n++; n%yieldEvery == 0 {
			runtime.Gosched()
			osYield()
		}
	}
}
