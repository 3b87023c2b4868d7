package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nexogo/nexo/bench/internal/sysx"
)

// Bounds of a fan-out run. None of them is a loss threshold: a delivery
// counts as lost only when it has not arrived once everything else has, or
// once drainBound has passed since the last publish.
const (
	// registerBound is how long the probes may take to reach every
	// subscriber before the run fails.
	registerBound = 30 * time.Second
	// probeEvery is the pause between probes while some subscriber has
	// not received one.
	probeEvery = 200 * time.Millisecond
	// stallBound: in burst mode, a message that has not reached every
	// subscriber this long after it became the oldest in flight stops the
	// publisher (a stall, reported as a failure).
	stallBound = 15 * time.Second
	// drainBound is the longest wait, after the last publish, for the
	// deliveries still in flight.
	drainBound = 30 * time.Second
	// lateAfter is the age at which a delivery counts as late: the time the
	// earlier harness waited before counting a delivery as lost.
	lateAfter = 2 * time.Second
)

// runFanout connects subs subscribers and one publisher to /fanout. It
// first checks that every subscriber is registered: the publisher sends
// probes (sequence 0) until each subscriber has received one. Then the
// publisher sends stamped payloads and every subscriber records the time
// from publish to receipt. With rate 0 the publisher sends as fast as the
// slowest subscriber allows: at most window messages in flight, a message
// being in flight until every subscriber has it. With a rate, it sends at
// that pace regardless. Afterwards it waits until every delivery has
// arrived (or drainBound): deliveries older than lateAfter are reported as
// late, those that never arrived as lost, connections the server closed as
// dropped; only lost deliveries, dropped connections and a stall fail the
// run.
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

	f := &fan{subs: uint64(subs), notify: make(chan struct{}, 1), got: make([]atomic.Int64, subs)}
	// The window opens once every subscriber is registered; until then t0
	// is far in the future and nothing counts.
	var t0, t1 atomic.Int64
	t0.Store(1 << 62)
	t1.Store(1 << 62)
	all := make([]samples, subs)
	frames := make([]int, subs)
	registered := make([]bool, subs)
	var nreg atomic.Int64
	var dropped, late atomic.Int64
	var closing atomic.Bool
	closed := make([]atomic.Bool, subs)
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
						closed[i].Store(true)
						dropped.Add(1) // the server closed it
					}
					break
				}
				now := time.Now().UnixNano()
				a, b := t0.Load(), t1.Load()
				real := 0 // payloads in this frame that are not probes
				n := scan(fr, e.size, func(sent int64, seq uint32) {
					if seq == 0 { // a probe
						if !registered[i] {
							registered[i] = true
							nreg.Add(1)
							f.wake()
						}
						return
					}
					if now >= a && now < b {
						s.add(now - sent)
					}
					if now-sent > int64(lateAfter) {
						late.Add(1)
					}
					real++
					f.got[i].Add(1)
					f.ack(seq)
				})
				if real > 0 {
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

	probes, err := f.probe(e, pub, &nreg, int64(subs))
	e.logf("registered %d of %d after %d probes, %v", nreg.Load(), subs, probes, time.Since(began).Round(time.Millisecond))
	if err != nil {
		closing.Store(true)
		closeAll(conns)
		wg.Wait()
		return Result{}, err
	}

	start := time.Now()
	t0.Store(start.Add(e.warmup).UnixNano())
	t1.Store(t0.Load() + int64(e.duration))
	var cpu0, cpu1 int64
	var own0, own1 time.Duration
	cpuDone := make(chan struct{})
	go func() {
		time.Sleep(time.Until(time.Unix(0, t0.Load())))
		cpu0, own0 = e.cpuNanos(), sysx.CPUTime()
		time.Sleep(time.Until(time.Unix(0, t1.Load())))
		cpu1, own1 = e.cpuNanos(), sysx.CPUTime()
		close(cpuDone)
	}()

	sent, stalled := f.publish(e, pub, rate, window, t1.Load())
	<-cpuDone
	e.logf("published %d by %v (stalled: %v)", sent, time.Since(began).Round(time.Millisecond), stalled)
	// Wait for what is in flight: until every open subscriber has every
	// message, or the bound.
	drainStart := time.Now()
	for time.Since(drainStart) < drainBound && !f.drained(sent, closed) {
		time.Sleep(5 * time.Millisecond)
	}
	drain := time.Since(drainStart)
	closing.Store(true)
	closeAll(conns)
	wg.Wait()
	e.logf("done by %v (drained in %v)", time.Since(began).Round(time.Millisecond), drain.Round(time.Millisecond))

	n, total, nframes := 0, 0, 0
	for i, s := range all {
		n += len(s)
		total += int(f.got[i].Load())
		nframes += frames[i]
	}
	r := Result{Rate: float64(n) / e.duration.Seconds(), Messages: sent, DrainMs: float64(drain) / 1e6}
	if nframes > 0 {
		r.PerFrame = float64(total) / float64(nframes)
	}
	r.P50us, r.P99us = percentiles(all)
	if n > 0 {
		r.CPUus = float64(cpu1-cpu0) / 1e3 / float64(n)
		r.ClientUs = float64(own1-own0) / 1e3 / float64(n)
	}
	if want := sent * subs; want > 0 {
		r.Loss = max(0, 1-float64(total)/float64(want))
		r.Late = float64(late.Load()) / float64(want)
	}
	r.Dropped = int(dropped.Load())
	switch {
	case stalled:
		r.Failed = fmt.Sprintf("stalled: a message did not reach every subscriber within %v", stallBound)
	case r.Dropped > 0:
		r.Failed = fmt.Sprintf("%d subscriber connections closed by the server", r.Dropped)
	case total < sent*subs:
		r.Failed = fmt.Sprintf("%d deliveries never arrived (waited %v after the last publish)", sent*subs-total, drain.Round(time.Millisecond))
	}
	return r, nil
}

const ring = 1 << 14

// fan tracks, in burst mode, how many subscribers have each message in
// flight. A slot holds seq<<32 | count.
type fan struct {
	subs   uint64
	slots  [ring]atomic.Uint64
	notify chan struct{}
	got    []atomic.Int64 // deliveries per subscriber (probes not counted)
}

func (f *fan) wake() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

func (f *fan) ack(seq uint32) {
	sl := &f.slots[seq%ring]
	for {
		v := sl.Load()
		if uint32(v>>32) != seq {
			return // not tracked (paced mode) or long gone
		}
		if sl.CompareAndSwap(v, v+1) {
			if (v+1)&0xffffffff == f.subs {
				f.wake()
			}
			return
		}
	}
}

func (f *fan) complete(seq uint32) bool {
	v := f.slots[seq%ring].Load()
	return uint32(v>>32) != seq || v&0xffffffff >= f.subs
}

// drained reports whether every subscriber whose connection is open has
// all sent messages.
func (f *fan) drained(sent int, closed []atomic.Bool) bool {
	for i := range f.got {
		if f.got[i].Load() < int64(sent) && !closed[i].Load() {
			return false
		}
	}
	return true
}

// probe sends probes (sequence 0, never counted) until all want
// subscribers have received one, and returns how many it sent. The probe
// proves each subscriber is registered with the server's fan-out (and,
// across instances, that the broker's subscription is live), where the
// earlier harness slept 500 ms.
func (f *fan) probe(e *env, pub *wsConn, nreg *atomic.Int64, want int64) (int, error) {
	p := newPayload(e.size)
	var msg []byte
	deadline := time.Now().Add(registerBound)
	for probes := 1; ; probes++ {
		stamp(p, 0)
		msg = e.proto.publish(msg, 0, p)
		if err := pub.writeText(msg); err != nil {
			return probes, fmt.Errorf("probe: %w", err)
		}
		next := time.Now().Add(probeEvery)
		for nreg.Load() < want && time.Now().Before(next) {
			t := time.NewTimer(time.Until(next))
			select {
			case <-f.notify:
			case <-t.C:
			}
			t.Stop()
		}
		if nreg.Load() >= want {
			return probes, nil
		}
		if time.Now().After(deadline) {
			return probes, fmt.Errorf("only %d of %d subscribers received a probe within %v", nreg.Load(), want, registerBound)
		}
	}
}

// publish sends until t1 and returns how many messages it sent, and
// whether it stopped because a message stalled.
func (f *fan) publish(e *env, pub *wsConn, rate float64, window int, t1 int64) (sent int, stalled bool) {
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
			deadline := time.Now().Add(stallBound)
			for !f.complete(old) {
				wait := time.Until(deadline)
				if wait <= 0 {
					return sent, true
				}
				t := time.NewTimer(wait)
				select {
				case <-f.notify:
				case <-t.C:
				}
				t.Stop()
			}
		}
		if tick == nil {
			f.slots[seq%ring].Store(uint64(seq) << 32)
		}
		stamp(p, seq)
		msg = e.proto.publish(msg, seq, p)
		if err := pub.writeText(msg); err != nil {
			return sent, false
		}
		sent++
	}
	return sent, false
}
