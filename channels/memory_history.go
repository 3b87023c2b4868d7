package channels

import (
	"context"
	"fmt"
	"time"
)

// MemoryOption configures a MemoryBroker.
type MemoryOption func(*MemoryBroker)

// KeepHistory keeps, in memory, the history of the topics that match the
// policies (the first matching policy applies), so that WithRecovery can
// replay what a reconnecting client missed. The epoch is new for every
// broker: a restarted process has lost its history, and says so.
func KeepHistory(policies ...HistoryPolicy) MemoryOption {
	return func(b *MemoryBroker) { b.policies = append(b.policies, policies...) }
}

var _ HistoryBroker = (*MemoryBroker)(nil)

// HasHistory reports whether topic has history.
func (b *MemoryBroker) HasHistory(topic string) bool {
	_, ok := b.policies.For(topic)
	return ok
}

// Epoch returns the broker's epoch, the same for every topic.
func (b *MemoryBroker) Epoch() string { return b.epoch }

// Recover reads topic's history (see HistoryBroker).
func (b *MemoryBroker) Recover(ctx context.Context, topic string, q RecoverQuery) (Recovery, error) {
	if b.closed.Load() {
		return Recovery{}, ErrBrokerClosed
	}
	r := b.ring(topic)
	if r == nil {
		return Recovery{}, fmt.Errorf("%w: %q", ErrNoHistory, topic)
	}
	return r.recover(b.epoch, q, time.Now()), nil
}

// ring returns topic's history, made on first use, or nil when the topic
// has none.
func (b *MemoryBroker) ring(topic string) *ring {
	if len(b.policies) == 0 {
		return nil
	}
	if r, ok := b.rings.Load(topic); ok {
		return r.(*ring)
	}
	p, ok := b.policies.For(topic)
	if !ok {
		return nil
	}
	r, _ := b.rings.LoadOrStore(topic, newRing(p))
	return r.(*ring)
}
