// Package leakcheck lets tests check that hostile traffic leaves nothing
// behind in the server process: goroutines and heap back to what they were
// before it.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Baseline is the process's state before the traffic.
type Baseline struct {
	Goroutines int
	Heap       uint64 // bytes allocated on the heap, after a collection
}

// Take records the state now, after a garbage collection.
func Take() Baseline {
	g, heap := sample()
	return Baseline{Goroutines: g, Heap: heap}
}

func sample() (int, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

// Settle waits, up to 5 s, until the goroutines are back to the baseline
// plus slack and the heap within heapSlack bytes of it, and fails the test
// otherwise.
func (b Baseline) Settle(t testing.TB, slack int, heapSlack uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g, heap := sample()
		if g <= b.Goroutines+slack && heap <= b.Heap+heapSlack {
			t.Logf("goroutines %d -> %d, heap %d KiB -> %d KiB", b.Goroutines, g, b.Heap>>10, heap>>10)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines %d (baseline %d), heap %d KiB (baseline %d KiB)", g, b.Goroutines, heap>>10, b.Heap>>10)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitUntil polls cond until it holds, and fails the test when d passes
// first, saying what was still wrong.
func WaitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
