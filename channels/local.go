package channels

import (
	"cmp"
	"maps"
	"slices"
	"sync"
)

// Local keeps the subscribers of each topic in this process and delivers
// messages to them. Brokers use it for reference counting (Add reports the
// first subscriber of a topic, Remove the last, so that the broker
// subscribes upstream once per topic) and for local fan-out.
//
// Joining and leaving cost O(1): each topic keeps its subscribers in a set.
// Deliver takes no lock while delivering: it iterates over a snapshot of
// the set, rebuilt by the first delivery after a change and shared by
// every delivery until the next one, since messages are far more frequent
// than joins. A mass connect or disconnect therefore costs one rebuild, not
// one copy of the whole list per connection.
//
// The zero Local is empty and ready to use; it is safe for concurrent use.
type Local struct {
	mu     sync.Mutex
	topics map[string]*localTopic
}

// localTopic is the subscriber set of one topic. seq orders the members by
// arrival, so that snapshots list them in the order they joined.
type localTopic struct {
	members map[Subscriber]uint64
	seq     uint64
	snap    []Subscriber // nil after a change; never modified once built
}

// Add subscribes s to topic and reports whether it is the topic's first
// subscriber. Adding s twice has no effect.
func (l *Local) Add(topic string, s Subscriber) (first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		l.topics = make(map[string]*localTopic)
	}
	t := l.topics[topic]
	if t == nil {
		t = &localTopic{members: make(map[Subscriber]uint64)}
		l.topics[topic] = t
		first = true
	}
	if _, ok := t.members[s]; ok {
		return false
	}
	t.seq++
	t.members[s] = t.seq
	t.snap = nil
	return first
}

// Remove unsubscribes s from topic and reports whether the topic has no
// subscriber left.
func (l *Local) Remove(topic string, s Subscriber) (last bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.topics[topic]
	if t == nil {
		return false
	}
	if _, ok := t.members[s]; !ok {
		return false
	}
	if len(t.members) == 1 {
		delete(l.topics, topic)
		return true
	}
	delete(t.members, s)
	t.snap = nil
	return false
}

// Subscribers returns the subscribers of topic, in the order they joined.
// The slice is shared: the caller must not modify it.
func (l *Local) Subscribers(topic string) []Subscriber {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.topics[topic]
	if t == nil {
		return nil
	}
	if t.snap == nil {
		t.snap = t.snapshot()
	}
	return t.snap
}

// snapshot lists the members by arrival. Called with the Local's lock held.
func (t *localTopic) snapshot() []Subscriber {
	type entry struct {
		s   Subscriber
		seq uint64
	}
	es := make([]entry, 0, len(t.members))
	for s, seq := range t.members {
		es = append(es, entry{s, seq})
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.seq, b.seq) })
	subs := make([]Subscriber, len(es))
	for i, e := range es {
		subs[i] = e.s
	}
	return subs
}

// Deliver hands m to every local subscriber of m.Topic and returns how
// many there were.
func (l *Local) Deliver(m *Message) int {
	subs := l.Subscribers(m.Topic)
	for _, s := range subs {
		s.Deliver(m)
	}
	return len(subs)
}

// Topics returns the topics with at least one subscriber.
func (l *Local) Topics() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(maps.Keys(l.topics))
}

// Count returns the number of subscribers of topic.
func (l *Local) Count(topic string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.topics[topic]; t != nil {
		return len(t.members)
	}
	return 0
}

// Len returns the number of topics with at least one subscriber.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.topics)
}
