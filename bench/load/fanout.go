package main

import (
	"github.com/nexogo/nexo/bench/internal/sysx"
	"sync"
	"sync/atomic"
	"time"
)

// runFanout connects subs subscribers and one publisher to /fanout. The
// publisher sends stamped payloads; every subscriber records the time from
// publish to receipt. With rate 0 the publisher sends as fast as the
// slowest subscriber allows: at most window messages in flight, a message
// being in flight until every subscriber has it (or 2 s passed, when it
// counts as lost). With a rate, it sends at that pace regardless.
func runFanout(e *env, subs int, rate float64, window int) (Result, error) {
	began := time.Now()
	// Subscribers read through 32 KiB buffers, so that a backlog takes few
	// system calls to read.
	conns, err := e.connect("/fanout", subs, true, 32<<10)
	if err != nil {
		return Result{}, err
	}
	e.logf("connected %d in %v", subs, time.Since(began).Round(time.Millisecond))
	defer closeAll(conns)
	pubAddr := e.addrs[0]
	pub, err := dialWS(pubAddr, "/fanout", e.localIP(pubAddr, subs), 10*time.Second, 32<<10)
	if err == nil {
		err = e.proto.hello(pub, false)
	}
	if err != nil {
		return Result{}, err
	}
	defer pub.Close()
	// Let servers that register connections asynchronously catch up.
	time.Sleep(500 * time.Millisecond)

	f := &fan{subs: uint64(subs), notify: make(chan struct{}, 1)}
	start := time.Now()
	t0 := start.Add(e.warmup).UnixNano()
	t1 := t0 + int64(e.duration)
	all := make([]samples, subs)
	totals := make([]int, subs)
	frames := make([]int, subs)
	var dropped atomic.Int32
	var closing atomic.Bool
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := make(samples, 0, 256)
			for {
				_, fr, err := c.read()
				if err != nil {
					if !closing.Load() {
						dropped.Add(1) // the server closed it
					}
					break
				}
				now := time.Now().UnixNano()
				n := scan(fr, e.size, func(sent int64, seq uint32) {
					if now >= t0 && now < t1 {
						s.add(now - sent)
					}
					if rate == 0 {
						f.ack(seq)
					}
				})
				totals[i] += n
				if n > 0 {
					frames[i]++
				}
				if n == 0 {
					e.proto.control(c, fr)
				}
			}
			all[i] = s
		}()
	}
	// The publisher's own copies (and centrifuge's publish replies) are
	// drained, not counted.
	go func() {
		for {
			_, fr, err := pub.read()
			if err != nil {
				return
			}
			if scan(fr, e.size, func(int64, uint32) {}) == 0 {
				e.proto.control(pub, fr)
			}
		}
	}()

	var cpu0, cpu1 int64
	var own0, own1 time.Duration
	cpuDone := make(chan struct{})
	go func() {
		time.Sleep(time.Until(time.Unix(0, t0)))
		cpu0, own0 = e.cpuNanos(), sysx.CPUTime()
		time.Sleep(time.Until(time.Unix(0, t1)))
		cpu1, own1 = e.cpuNanos(), sysx.CPUTime()
		close(cpuDone)
	}()

	sent, lost := f.publish(e, pub, rate, window, t1)
	<-cpuDone
	e.logf("published %d (%d given up) by %v", sent, lost, time.Since(began).Round(time.Millisecond))
	// Wait for what is in flight, then end every subscriber.
	grace := time.Now().Add(2 * time.Second)
	for time.Now().Before(grace) && f.delivered.Load() < uint64(sent)*f.subs && rate == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if rate > 0 {
		time.Sleep(time.Second)
	}
	closing.Store(true)
	closeAll(conns)
	wg.Wait()
	e.logf("done by %v", time.Since(began).Round(time.Millisecond))

	n, total, nframes := 0, 0, 0
	for i, s := range all {
		n += len(s)
		total += totals[i]
		nframes += frames[i]
	}
	r := Result{Rate: float64(n) / e.duration.Seconds(), Messages: sent}
	if nframes > 0 {
		r.PerFrame = float64(total) / float64(nframes)
	}
	r.P50us, r.P99us = percentiles(all)
	if n > 0 {
		r.CPUus = float64(cpu1-cpu0) / 1e3 / float64(n)
		r.ClientUs = float64(own1-own0) / 1e3 / float64(n)
	}
	if want := sent * subs; want > 0 {
		r.Loss = 1 - float64(total)/float64(want)
		if r.Loss < 0 {
			r.Loss = 0
		}
	}
	r.Dropped = int(dropped.Load())
	return r, nil
}

const ring = 1 << 14

// fan tracks, in burst mode, how many subscribers have each message in
// flight. A slot holds seq<<32 | count.
type fan struct {
	subs      uint64
	slots     [ring]atomic.Uint64
	notify    chan struct{}
	delivered atomic.Uint64
}

func (f *fan) ack(seq uint32) {
	f.delivered.Add(1)
	sl := &f.slots[seq%ring]
	for {
		v := sl.Load()
		if uint32(v>>32) != seq {
			return // a message given up on long ago
		}
		if sl.CompareAndSwap(v, v+1) {
			if (v+1)&0xffffffff == f.subs {
				select {
				case f.notify <- struct{}{}:
				default:
				}
			}
			return
		}
	}
}

func (f *fan) complete(seq uint32) bool {
	v := f.slots[seq%ring].Load()
	return uint32(v>>32) != seq || v&0xffffffff >= f.subs
}

// publish sends until t1 and returns how many messages it sent and how many
// it gave up waiting for.
func (f *fan) publish(e *env, pub *wsConn, rate float64, window int, t1 int64) (sent, lost int) {
	p := newPayload(e.size)
	var msg []byte
	var tick *time.Ticker
	if rate > 0 {
		tick = time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
	}
	if window >= ring {
		window = ring - 1
	}
	for seq := uint32(1); time.Now().UnixNano() < t1; seq++ {
		if tick != nil {
			<-tick.C
		} else if seq > uint32(window) {
			old := seq - uint32(window)
			deadline := time.Now().Add(2 * time.Second)
			for !f.complete(old) {
				wait := time.Until(deadline)
				if wait <= 0 {
					lost++
					break
				}
				t := time.NewTimer(wait)
				select {
				case <-f.notify:
				case <-t.C:
				}
				t.Stop()
			}
		}
		f.slots[seq%ring].Store(uint64(seq) << 32)
		stamp(p, seq)
		msg = e.proto.publish(msg, seq, p)
		if err := pub.writeText(msg); err != nil {
			return sent, lost
		}
		sent++
	}
	return sent, lost
}
