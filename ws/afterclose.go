package ws

import (
	"maps"
	"slices"
	"sync"
)

// cleanups are functions run when a connection is torn down.
type cleanups struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
	done bool
}

// AfterClose arranges for f to run once the connection has ended, before
// Done is closed, on the goroutine that tears it down. When the connection
// has already ended, f runs at once on its own goroutine. stop cancels the
// call and reports whether it did so before f started, like
// context.AfterFunc.
func (c *Conn) AfterClose(f func()) (stop func() bool) {
	cl := &c.cleanups
	cl.mu.Lock()
	if cl.done {
		cl.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if cl.fns == nil {
		cl.fns = make(map[int]func())
	}
	id := cl.next
	cl.next++
	cl.fns[id] = f
	cl.mu.Unlock()
	return func() bool {
		cl.mu.Lock()
		defer cl.mu.Unlock()
		_, ok := cl.fns[id]
		delete(cl.fns, id)
		return ok
	}
}

// runCleanups calls every registered function, most recent first.
func (c *Conn) runCleanups() {
	cl := &c.cleanups
	cl.mu.Lock()
	cl.done = true
	fns := cl.fns
	cl.fns = nil
	cl.mu.Unlock()
	for _, id := range slices.Backward(slices.Sorted(maps.Keys(fns))) {
		fns[id]()
	}
}
