package ws

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// cleanups are the functions run when a connection is torn down
// (AfterClose) and when it starts to close (OnClosing), in one list kept
// in the order they were registered (ids ascend), so that stop finds its
// entry by binary search and teardown runs them newest first. An
// AfterClose function's id is even, an OnClosing function's odd.
type cleanups struct {
	mu       sync.Mutex // also guards Conn.values: held briefly, never across a call out
	fns      []cleanup
	next     int           // even
	doneCh   chan struct{} // Conn.Done, made when first asked for
	dead     int32         // entries of fns whose f was cancelled or started
	done     bool          // the functions have been taken to run
	closed   bool          // Done is closed, or is made closed
	closing  bool          // the OnClosing functions have been started
	released bool          // release has begun
}

type cleanup struct {
	id int
	f  func() // nil once cancelled (or, for OnClosing, started)
}

// early reports whether e is an OnClosing function.
func (e cleanup) early() bool { return e.id&1 == 1 }

// AfterClose arranges for f to run once the connection has ended, before
// Done is closed, on the goroutine that tears it down. When the connection
// has already ended, f runs at once on its own goroutine. stop cancels the
// call and reports whether it did so before f started, like
// context.AfterFunc.
func (c *Conn) AfterClose(f func()) (stop func() bool) {
	return c.cleanups.register(f, false, nil)
}

// register adds f, an OnClosing function when early, and returns its stop.
// When what f waits for has come already (teardown has begun; for an
// OnClosing function, the close has started: ctx, the connection's
// context, has ended), f runs at once on a goroutine of its own instead.
func (cl *cleanups) register(f func(), early bool, ctx context.Context) (stop func() bool) {
	cl.mu.Lock()
	if cl.done || early && (cl.closing || ctx.Err() != nil) {
		cl.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	id := cl.next
	if early {
		id++
	}
	cl.next += 2
	cl.fns = append(cl.fns, cleanup{id, f})
	cl.mu.Unlock()
	return func() bool { return cl.cancel(id) }
}

// cancel removes the function registered as id, reporting whether it was
// still there.
func (cl *cleanups) cancel(id int) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	i, ok := slices.BinarySearchFunc(cl.fns, id, byID)
	if !ok || cl.fns[i].f == nil {
		return false
	}
	cl.fns[i].f = nil
	cl.dead++
	cl.compact()
	return true
}

// compact removes the clear entries once they are most of the list. The
// caller holds mu.
func (cl *cleanups) compact() {
	if int(cl.dead) > len(cl.fns)/2 {
		cl.fns = slices.DeleteFunc(cl.fns, func(e cleanup) bool { return e.f == nil })
		cl.dead = 0
	}
}

func byID(e cleanup, id int) int { return cmp.Compare(e.id, id) }

// release reports whether this is the first call, which releases the
// connection.
func (cl *cleanups) release() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	first := !cl.released
	cl.released = true
	return first
}

// runCleanups calls every registered function, most recent first.
func (c *Conn) runCleanups() {
	cl := &c.cleanups
	cl.mu.Lock()
	cl.done = true
	fns := cl.fns
	cl.fns = nil
	cl.mu.Unlock()
	for _, e := range slices.Backward(fns) {
		if e.f != nil && !e.early() { // OnClosing's ran when the close started
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
