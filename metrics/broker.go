package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nexogo/nexo/channels"
)

// Broker returns b decorated to time every Publish
// (nexo_broker_publish_duration_seconds), count the failed ones
// (nexo_broker_publish_errors_total) and count every message handed to a
// local subscriber (nexo_broker_messages_delivered_total). Give the result
// to the App: nexo.New(nexo.WithBroker(m.Broker(b))).
//
// The decorator keeps b's presence and history: when b is a
// channels.PresenceBroker, so is the result, and its HasHistory and Recover
// answer for b's history, so that channels.WithRecovery works through it. Other methods of b (ChannelCount, Reconnects, Ping,
// Topics...) are reached through its Unwrap method, which nexo's health
// checks, introspection and this package follow; Ping is also forwarded
// directly. Closing the decorator closes b.
//
// Delivery counting adds one atomic increment per message and subscriber;
// the rest of the figures cost nothing on the message path.
func (m *Metrics) Broker(b channels.Broker) channels.Broker {
	m.mu.Lock()
	m.brokers = append(m.brokers, b)
	m.mu.Unlock()
	m.deliveredSet.Store(true)
	w := &broker{b: b, m: m, subs: make(map[subKey]*subscriber)}
	if pb, ok := b.(channels.PresenceBroker); ok {
		return &presenceBroker{broker: w, pb: pb}
	}
	return w
}

// broker is the decorator Broker returns.
type broker struct {
	b channels.Broker
	m *Metrics

	mu   sync.Mutex
	subs map[subKey]*subscriber
}

type subKey struct {
	topic string
	s     channels.Subscriber
}

// subscriber counts the messages delivered to s.
type subscriber struct {
	s channels.Subscriber
	m *Metrics
}

func (s *subscriber) Deliver(msg *channels.Message) {
	s.m.delivered.Add(1)
	s.s.Deliver(msg)
}

// presenceBroker is the decorator of a PresenceBroker.
type presenceBroker struct {
	*broker
	pb channels.PresenceBroker
}

var (
	_ channels.HistoryBroker  = (*broker)(nil)
	_ channels.PresenceBroker = (*presenceBroker)(nil)
)

// Presence returns the decorated broker's presence.
func (p *presenceBroker) Presence() channels.Presence { return p.pb.Presence() }

// Unwrap returns the decorated broker.
func (w *broker) Unwrap() channels.Broker { return w.b }

// Subscribe subscribes a counting wrapper of s; Unsubscribe finds it again.
func (w *broker) Subscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	k := subKey{topic, s}
	w.mu.Lock()
	ws, ok := w.subs[k]
	if !ok {
		ws = &subscriber{s: s, m: w.m}
		w.subs[k] = ws
	}
	w.mu.Unlock()
	err := w.b.Subscribe(ctx, topic, ws)
	if err != nil && !ok {
		w.mu.Lock()
		if w.subs[k] == ws {
			delete(w.subs, k)
		}
		w.mu.Unlock()
	}
	return err
}

// Unsubscribe removes s from topic.
func (w *broker) Unsubscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	k := subKey{topic, s}
	w.mu.Lock()
	ws, ok := w.subs[k]
	delete(w.subs, k)
	w.mu.Unlock()
	if !ok {
		return nil // not subscribed through this decorator: a no-op, as the contract says
	}
	return w.b.Unsubscribe(ctx, topic, ws)
}

// Publish publishes through the decorated broker and records the time it
// took and whether it failed.
func (w *broker) Publish(ctx context.Context, topic string, msg *channels.Message) error {
	start := time.Now()
	err := w.b.Publish(ctx, topic, msg)
	w.m.publish.Observe(time.Since(start).Seconds())
	if err != nil {
		w.m.publishErrs.Inc()
	}
	return err
}

// HasHistory reports whether the decorated broker keeps topic's history,
// so that channels.WithRecovery works through the decorator.
func (w *broker) HasHistory(topic string) bool {
	hb, ok := w.b.(channels.HistoryBroker)
	return ok && hb.HasHistory(topic)
}

// Recover reads topic's history from the decorated broker; one without
// history answers channels.ErrNoHistory.
func (w *broker) Recover(ctx context.Context, topic string, q channels.RecoverQuery) (channels.Recovery, error) {
	hb, ok := w.b.(channels.HistoryBroker)
	if !ok {
		return channels.Recovery{}, fmt.Errorf("metrics: %w: %q", channels.ErrNoHistory, topic)
	}
	return hb.Recover(ctx, topic, q)
}

// Close closes the decorated broker.
func (w *broker) Close() error { return w.b.Close() }

// Ping checks the decorated broker's connection when it can (a Ping(ctx)
// error method); a broker without one is taken to be reachable.
func (w *broker) Ping(ctx context.Context) error {
	if p, ok := find[pinger](w.b); ok {
		return p.Ping(ctx)
	}
	return nil
}

type pinger interface {
	Ping(ctx context.Context) error
}
