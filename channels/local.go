package channels

import (
	"maps"
	"slices"
	"sync"
)

// Local keeps the subscribers of each topic in this process and delivers
// messages to them. Brokers use it for reference counting (Add reports the
// first subscriber of a topic, Remove the last, so that the broker
// subscribes upstream once per topic) and for local fan-out.
//
// Deliver takes no lock while delivering: each topic's subscriber list is
// copied on write, since messages are far more frequent than joins.
//
// The zero Local is empty and ready to use; it is safe for concurrent use.
type Local struct {
	mu     sync.Mutex
	topics map[string]*[]Subscriber
}

// Add subscribes s to topic and reports whether it is the topic's first
// subscriber. Adding s twice has no effect.
func (l *Local) Add(topic string, s Subscriber) (first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		l.topics = make(map[string]*[]Subscriber)
	}
	old := l.topics[topic]
	if old == nil {
		l.topics[topic] = &[]Subscriber{s}
		return true
	}
	if slices.Contains(*old, s) {
		return false
	}
	next := append(slices.Clip(*old), s)
	l.topics[topic] = &next
	return false
}

// Remove unsubscribes s from topic and reports whether the topic has no
// subscriber left.
func (l *Local) Remove(topic string, s Subscriber) (last bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.topics[topic]
	if old == nil {
		return false
	}
	i := slices.Index(*old, s)
	if i < 0 {
		return false
	}
	if len(*old) == 1 {
		delete(l.topics, topic)
		return true
	}
	next := slices.Delete(slices.Clone(*old), i, i+1)
	l.topics[topic] = &next
	return false
}

// Subscribers returns the subscribers of topic.
func (l *Local) Subscribers(topic string) []Subscriber {
	l.mu.Lock()
	p := l.topics[topic]
	l.mu.Unlock()
	if p == nil {
		return nil
	}
	return *p
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
func (l *Local) Count(topic string) int { return len(l.Subscribers(topic)) }

// Len returns the number of topics with at least one subscriber.
func (l *Local) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.topics)
}
