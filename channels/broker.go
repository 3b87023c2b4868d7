package channels

import (
	"context"
	"errors"
)

// Broker carries published messages to the subscribers of a topic, in this
// process or across instances. The in-process broker (NewMemoryBroker) is
// the default; channels/redisbroker and channels/natsbroker carry messages
// between instances. Implement it to bring another transport; the
// brokertest package checks an implementation.
//
// A Broker keeps one upstream subscription per topic however many local
// subscribers it has (Local does the counting and the local fan-out).
//
// Every method is safe for concurrent use.
type Broker interface {
	// Subscribe adds s to topic. Messages published on topic after
	// Subscribe returns reach s, once each, in publish order per publisher.
	Subscribe(ctx context.Context, topic string, s Subscriber) error
	// Unsubscribe removes s from topic. It is a no-op when s is not
	// subscribed.
	Unsubscribe(ctx context.Context, topic string, s Subscriber) error
	// Publish sends m to every subscriber of topic on every instance. An
	// error means the message may not have reached anyone; it is never
	// dropped silently.
	Publish(ctx context.Context, topic string, m *Message) error
	// Close releases the broker; later calls return ErrBrokerClosed.
	Close() error
}

// Subscriber receives messages from a Broker. Deliver is called from the
// broker's goroutines and must not block: a connection queues the message
// (ws.Conn.SendPrepared).
type Subscriber interface {
	Deliver(m *Message)
}

// SubscriberFunc adapts a function to a Subscriber. Compare subscribers by
// identity: use a pointer to a SubscriberFunc to unsubscribe one.
type SubscriberFunc func(m *Message)

// Deliver calls f(m).
func (f *SubscriberFunc) Deliver(m *Message) { (*f)(m) }

// ErrBrokerClosed is returned by a Broker after Close.
var ErrBrokerClosed = errors.New("channels: broker closed")

// ErrNoBroker is returned by Join when the connection has no broker: it was
// not served by a nexo App and no WithBroker option was given.
var ErrNoBroker = errors.New("channels: no broker for this connection")
