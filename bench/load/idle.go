package main

import (
	"fmt"
	"time"
)

// runIdle measures the server's memory before and after opening conns
// connections to /fanout (each subscribed to the fan-out, as a push client
// would be), then reports the growth per connection: RSS, Go heap in use
// plus goroutine stacks, and goroutines.
func runIdle(e *env, conns int, settle time.Duration) (Result, error) {
	addr := e.addrs[0]
	e.addrs = e.addrs[:1]
	before, err := mem(addr, true)
	if err != nil {
		return Result{}, err
	}
	cs, err := e.connect("/fanout", conns, true, 4096)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(cs)
	time.Sleep(settle)
	after, err := mem(addr, true)
	if err != nil {
		return Result{}, err
	}
	n := float64(conns)
	r := Result{
		RSSPer:  (float64(after.RSS) - float64(before.RSS)) / n,
		HeapPer: (float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)) / n,
		GorPer:  float64(after.Goroutines-before.Goroutines) / n,
	}
	if r.RSSPer <= 0 {
		return r, fmt.Errorf("RSS did not grow (%d -> %d)", before.RSS, after.RSS)
	}
	return r, nil
}
