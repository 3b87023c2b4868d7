package channels

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryPresence is the in-process Presence of the MemoryBroker.
//
// The zero MemoryPresence is empty and ready to use.
type MemoryPresence struct {
	mu     sync.Mutex
	topics map[string]map[string]PresenceEntry
}

var _ Presence = (*MemoryPresence)(nil)

// Join records e in topic. A connection new to topic is listed after
// every entry stored before it: when its JoinedAt is not later than theirs
// (its clock was read before another join was stored), it is moved to
// just after the newest, so that "oldest first" is the order in which
// entries became visible. A connection already in topic keeps the
// JoinedAt it is given (a rename keeps its place).
func (p *MemoryPresence) Join(ctx context.Context, topic string, e PresenceEntry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.topics == nil {
		p.topics = make(map[string]map[string]PresenceEntry)
	}
	entries := p.topics[topic]
	if entries == nil {
		entries = make(map[string]PresenceEntry)
		p.topics[topic] = entries
	}
	if _, ok := entries[e.ConnID]; !ok {
		for _, o := range entries {
			if !e.JoinedAt.After(o.JoinedAt) {
				e.JoinedAt = o.JoinedAt.Add(time.Nanosecond)
			}
		}
	}
	entries[e.ConnID] = e
	return nil
}

// Leave removes connID from topic.
func (p *MemoryPresence) Leave(ctx context.Context, topic, connID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.topics[topic], connID)
	if len(p.topics[topic]) == 0 {
		delete(p.topics, topic)
	}
	return nil
}

// List returns the entries of topic, oldest first.
func (p *MemoryPresence) List(ctx context.Context, topic string) ([]PresenceEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return SortEntries(slices.Collect(maps.Values(p.topics[topic]))), nil
}

// SortEntries orders presence entries by join time, then connection ID.
func SortEntries(es []PresenceEntry) []PresenceEntry {
	slices.SortFunc(es, func(a, b PresenceEntry) int {
		return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.ConnID, b.ConnID))
	})
	return es
}
