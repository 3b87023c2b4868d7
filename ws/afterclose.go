package ws

import (
	"cmp"
	"slices"
	"sync"
)

// cleanups are functions run when a connection is torn down, kept in the
// order they were registered (ids ascend), so that stop finds its entry by
// binary search and teardown runs them newest first; and the functions
// run when it starts to close (OnClosing), kept the same way.
type cleanups struct {
	mu      sync.Mutex
	fns     []cleanup
	early   []cleanup // OnClosing's; nil once they have been started
	next    int
	doneCh  chan struct{} // Conn.Done, made when first asked for
	dead    int32         // entries of fns whose f was cancelled
	done    bool          // the functions have been taken to run
	closed  bool          // Done is closed, or is made closed
	closing bool          // the OnClosing functions have been started
}

type cleanup struct {
	id int
	f  func() // nil once cancelled
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
	id := cl.next
	cl.next++
	cl.fns = append(cl.fns, cleanup{id, f})
	cl.mu.Unlock()
	return func() bool { return cl.cancel(id) }
}

// cancel removes the function registered as id, reporting whether it was
// still there.
func (cl *cleanups) cancel(id int) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if i, ok := slices.BinarySearchFunc(cl.early, id, byID); ok {
		cl.early = slices.Delete(cl.early, i, i+1)
		return true
	}
	i, ok := slices.BinarySearchFunc(cl.fns, id, byID)
	if !ok || cl.fns[i].f == nil {
		return false
	}
	cl.fns[i].f = nil
	cl.dead++
	if int(cl.dead) > len(cl.fns)/2 {
		cl.fns = slices.DeleteFunc(cl.fns, func(e cleanup) bool { return e.f == nil })
		cl.dead = 0
	}
	return true
}

func byID(e cleanup, id int) int { return cmp.Compare(e.id, id) }

// runCleanups calls every registered function, most recent first.
func (c *Conn) runCleanups() {
	cl := &c.cleanups
	cl.mu.Lock()
	cl.done = true
	fns := cl.fns
	cl.fns = nil
	cl.mu.Unlock()
	for _, e := range slices.Backward(fns) {
		if e.f != nil {
			e.f()
		}
	}
}

// closeDone closes the channel of Conn.Done, once the connection is torn
// down.
func (cl *cleanups) closeDone() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.closed = true
	if cl.doneCh != nil {
		close(cl.doneCh)
	}
}
