package channels

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryBroker is the in-process Broker, the default of every App: Publish
// hands the message to the local subscribers before it returns, so
// delivery is in publish order per publisher and exactly once within the
// process. It does not reach other instances.
//
// With KeepHistory it keeps the recent messages of some topics in ring
// buffers, for WithRecovery.
//
// The zero MemoryBroker is not usable; call NewMemoryBroker.
type MemoryBroker struct {
	local    Local
	presence MemoryPresence
	closed   atomic.Bool

	policies HistoryPolicies
	epoch    string
	rings    sync.Map // topic -> *ring, for topics with history
}

var _ PresenceBroker = (*MemoryBroker)(nil)

// Presence returns the broker's in-process presence.
func (b *MemoryBroker) Presence() Presence { return &b.presence }

// NewMemoryBroker returns an in-process broker.
func NewMemoryBroker(opts ...MemoryOption) *MemoryBroker {
	b := &MemoryBroker{epoch: NewEpoch()}
	for _, o := range opts {
		o(b)
	}
	return b
}

// Subscribe adds s to topic.
func (b *MemoryBroker) Subscribe(ctx context.Context, topic string, s Subscriber) error {
	if b.closed.Load() {
		return ErrBrokerClosed
	}
	b.local.Add(topic, s)
	return nil
}

// Unsubscribe removes s from topic.
func (b *MemoryBroker) Unsubscribe(ctx context.Context, topic string, s Subscriber) error {
	b.local.Remove(topic, s)
	return nil
}

// Publish delivers m to the topic's subscribers.
func (b *MemoryBroker) Publish(ctx context.Context, topic string, m *Message) error {
	if b.closed.Load() {
		return ErrBrokerClosed
	}
	m.Topic = topic
	if r := b.ring(topic); r != nil {
		r.publish(b.epoch, m, time.Now(), b.deliver)
		return nil
	}
	b.local.Deliver(m)
	return nil
}

func (b *MemoryBroker) deliver(m *Message) { b.local.Deliver(m) }

// Broadcast delivers v to the subscribers of every topic, each subscriber
// once per topic it is in.
func (b *MemoryBroker) Broadcast(v any) error {
	m, err := NewMessage("", v)
	if err != nil {
		return err
	}
	for _, t := range b.local.Topics() {
		for _, s := range b.local.Subscribers(t) {
			s.Deliver(m)
		}
	}
	return nil
}

// ChannelCount returns the number of topics with at least one subscriber.
func (b *MemoryBroker) ChannelCount() int { return b.local.Len() }

// Topics returns the topics with at least one subscriber.
func (b *MemoryBroker) Topics() []string { return b.local.Topics() }

// Subscribers returns the number of subscribers of topic.
func (b *MemoryBroker) Subscribers(topic string) int { return b.local.Count(topic) }

// Close stops the broker.
func (b *MemoryBroker) Close() error {
	b.closed.Store(true)
	return nil
}
