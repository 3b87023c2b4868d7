package channels

import (
	"sync"
	"time"
)

// ring is the in-process history of one topic: a ring buffer of the last
// messages within the policy's bounds. Publishing through it assigns the
// next offset and delivers under its lock, so that offsets follow the
// delivery order and Recover sees either a message or its delivery.
type ring struct {
	policy HistoryPolicy

	mu      sync.Mutex
	top     uint64 // offset of the last message published
	entries []ringEntry
	head    int // index of the oldest entry
	n       int // entries held
	bytes   int
}

type ringEntry struct {
	m  *Message
	at time.Time
}

func newRing(p HistoryPolicy) *ring {
	return &ring{policy: p, entries: make([]ringEntry, p.Count())}
}

// publish gives m the next position in epoch, stores it and calls deliver,
// all under the ring's lock.
func (r *ring) publish(epoch string, m *Message, now time.Time, deliver func(*Message)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.top++
	m.Pos = Position{Epoch: epoch, Offset: r.top}
	if r.n == len(r.entries) {
		r.drop()
	}
	r.entries[(r.head+r.n)%len(r.entries)] = ringEntry{m: m, at: now}
	r.n++
	r.bytes += len(m.Data)
	for r.n > 1 && r.policy.MaxBytes > 0 && r.bytes > r.policy.MaxBytes {
		r.drop()
	}
	deliver(m)
}

// drop removes the oldest entry.
func (r *ring) drop() {
	e := &r.entries[r.head]
	r.bytes -= len(e.m.Data)
	*e = ringEntry{}
	r.head = (r.head + 1) % len(r.entries)
	r.n--
}

// expire drops the entries older than the policy's MaxAge. Called with
// r.mu held.
func (r *ring) expire(now time.Time) {
	if r.policy.MaxAge <= 0 {
		return
	}
	for r.n > 0 && now.Sub(r.entries[r.head].at) > r.policy.MaxAge {
		r.drop()
	}
}

// recover answers q from the ring.
func (r *ring) recover(epoch string, q RecoverQuery, now time.Time) Recovery {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	cur := Position{Epoch: epoch, Offset: r.top}
	oldest := r.top - uint64(r.n) + 1
	from, ok := PlanRecovery(q, cur, oldest)
	rec := Recovery{Position: cur, Recovered: ok}
	if !ok {
		return rec
	}
	for off := from; off <= r.top; off++ {
		i := (r.head + int(off-oldest)) % len(r.entries)
		rec.Messages = append(rec.Messages, r.entries[i].m)
	}
	return rec
}
