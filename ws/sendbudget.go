package ws

// The send queue is bounded in messages (Config.SendQueue) and in bytes
// (Config.SendQueueBytes). writer.queued counts the bytes of the data
// frames send queued and no flush has taken yet; the close frame and the
// unwritten rest of a batch that went back to the head of the queue are
// not counted (they are bounded by one frame and one batch).

// overBudget reports whether queueing n more bytes would pass limit. A
// message always fits in an empty queue, so that one larger than the
// limit can still be sent to a client that keeps up. A negative limit
// means no bound. Called with w.mu held.
func (w *writer) overBudget(n, limit int) bool {
	return limit > 0 && w.queued > 0 && w.queued+n > limit
}

// dequeued takes f, of the given size, off the count once a flush has
// taken it out of the queue. Called with w.mu held.
func (w *writer) dequeued(f *frame, size int) {
	if !f.isRaw() && f.op != opClose {
		w.queued -= size
	}
}
