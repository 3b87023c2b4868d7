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
	topics map[string]*memoryTopic
}

// memoryTopic is one topic's entries, and the latest JoinedAt stored in
// it, which a new connection's JoinedAt must be after (see Join).
type memoryTopic struct {
	entries map[string]PresenceEntry
	newest  time.Time
}

var _ Presence = (*MemoryPresence)(nil)

// Join records e in topic. A connection new to topic is listed after
// every entry stored before it: when its JoinedAt is not later than theirs
// (its clock was read before another join was stored), it is moved to
// just after the newest, so that "oldest first" is the order in which
// entries became visible. A connection already in topic keeps its
// JoinedAt, and with it its place (a rename).
func (p *MemoryPresence) Join(ctx context.Context, topic string, e PresenceEntry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.topics == nil {
		p.topics = make(map[string]*memoryTopic)
	}
	t := p.topics[topic]
	if t == nil {
		t = &memoryTopic{entries: make(map[string]PresenceEntry)}
		p.topics[topic] = t
	}
	if old, ok := t.entries[e.ConnID]; ok {
		e.JoinedAt = old.JoinedAt
	} else if len(t.entries) > 0 && !e.JoinedAt.After(t.newest) {
		e.JoinedAt = t.newest.Add(time.Nanosecond)
	}
	if e.JoinedAt.After(t.newest) {
		t.newest = e.JoinedAt
	}
	t.entries[e.ConnID] = e
	return nil
}

// Leave removes connID from topic.
func (p *MemoryPresence) Leave(ctx context.Context, topic, connID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.topics[topic]
	if t == nil {
		return nil
	}
	delete(t.entries, connID)
	if len(t.entries) == 0 {
		delete(p.topics, topic)
	}
	return nil
}

// List returns the entries of topic, oldest first.
func (p *MemoryPresence) List(ctx context.Context, topic string) ([]PresenceEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.topics[topic]
	if t == nil {
		return nil, nil
	}
	return SortEntries(slices.Collect(maps.Values(t.entries))), nil
}

// SortEntries orders presence entries by join time, then connection ID.
func SortEntries(es []PresenceEntry) []PresenceEntry {
	slices.SortFunc(es, func(a, b PresenceEntry) int {
		return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), cmp.Compare(a.ConnID, b.ConnID))
	})
	return es
}
