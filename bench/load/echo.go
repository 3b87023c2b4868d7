package main

import (
	"github.com/nexogo/nexo/bench/internal/sysx"
	"sync"
	"time"
)

// runEcho runs closed-loop clients: each sends a stamped payload, waits for
// it to come back, records the round trip, and sends again. Only round trips
// completed inside the measurement window count.
func runEcho(e *env, clients int) (Result, error) {
	conns, err := e.connect("/echo", clients, false, 4096)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(conns)
	start := time.Now()
	t0 := start.Add(e.warmup).UnixNano()
	t1 := t0 + int64(e.duration)
	all := make([]samples, clients)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			all[i] = echoClient(e, c, uint32(i), t0, t1)
		}()
	}
	time.Sleep(time.Until(time.Unix(0, t0)))
	cpu0, own0 := e.cpuNanos(), sysx.CPUTime()
	time.Sleep(time.Until(time.Unix(0, t1)))
	cpu1, own1 := e.cpuNanos(), sysx.CPUTime()
	wg.Wait()
	n := 0
	for _, s := range all {
		n += len(s)
	}
	r := Result{Rate: float64(n) / e.duration.Seconds()}
	r.P50us, r.P99us = percentiles(all)
	if n > 0 {
		r.CPUus = float64(cpu1-cpu0) / 1e3 / float64(n)
		r.ClientUs = float64(own1-own0) / 1e3 / float64(n)
	}
	for _, s := range all {
		if s == nil {
			r.Dropped++
		}
	}
	return r, nil
}

func echoClient(e *env, c *wsConn, id uint32, t0, t1 int64) samples {
	s := make(samples, 0, 1024)
	p := newPayload(e.size)
	var msg []byte
	for seq := uint32(1); ; seq++ {
		stamp(p, seq)
		msg = e.proto.echo(msg, seq, p)
		if err := c.writeText(msg); err != nil {
			return s
		}
		for got := false; !got; {
			_, f, err := c.read()
			if err != nil {
				return s
			}
			now := time.Now().UnixNano()
			if scan(f, e.size, func(sent int64, _ uint32) {
				if now >= t0 && now < t1 {
					s.add(now - sent)
				}
			}) > 0 {
				got = true
				if now >= t1 {
					return s
				}
			} else if err := e.proto.control(c, f); err != nil {
				return s
			}
		}
	}
}
