package channels

import (
	"context"
	"encoding/json"
	"time"
)

// PresenceEntry is one connection present in a topic.
type PresenceEntry struct {
	ConnID   string         `json:"conn_id"`
	UserID   string         `json:"user_id,omitempty"`
	Meta     map[string]any `json:"meta,omitempty"`
	JoinedAt time.Time      `json:"joined_at"`
	// Instance names the process holding the connection. An instance
	// that stops renewing its lease (it crashed) drops out of every
	// listing within one lease period.
	Instance string `json:"instance"`
}

// Presence records who is in each topic, across instances.
//
// Every method is safe for concurrent use.
type Presence interface {
	// Join records e in topic. A second Join of a connection already in
	// topic (a rename, new meta) replaces its entry and keeps its place
	// and its join time.
	Join(ctx context.Context, topic string, e PresenceEntry) error
	// Leave removes the connection from topic.
	Leave(ctx context.Context, topic, connID string) error
	// List returns the live entries of topic, oldest first: in the order
	// in which the store took their first Join, whatever the clocks of
	// the instances that made them. Two instances whose joins cross
	// therefore agree on who was first.
	List(ctx context.Context, topic string) ([]PresenceEntry, error)
}

// PresenceBroker is a Broker that also keeps presence. The brokers of this
// module all do.
type PresenceBroker interface {
	Broker
	Presence() Presence
}

// PresenceEvent tells that a connection joined or left a topic. It is
// published as JSON on PresenceTopic(topic):
//
//	{"type":"presence","event":"join","topic":"room:1","entry":{"conn_id":"...","user_id":"ada",...}}
type PresenceEvent struct {
	Type  string        `json:"type"`  // always "presence"
	Event string        `json:"event"` // "join" or "leave"
	Topic string        `json:"topic"`
	Entry PresenceEntry `json:"entry"`
}

// PresenceTopic is the topic on which the join and leave events of topic
// are published. Join a connection to it to forward the events to the
// client; WatchPresence delivers them to a function.
func PresenceTopic(topic string) string { return topic + "#presence" }

// WatchPresence calls fn for every join and leave event of topic until the
// returned stop function is called.
func WatchPresence(ctx context.Context, b Broker, topic string, fn func(PresenceEvent)) (stop func(), err error) {
	f := SubscriberFunc(func(m *Message) {
		var ev PresenceEvent
		if json.Unmarshal(m.Data, &ev) == nil && ev.Type == "presence" {
			fn(ev)
		}
	})
	if err := b.Subscribe(ctx, PresenceTopic(topic), &f); err != nil {
		return nil, err
	}
	return func() { b.Unsubscribe(context.WithoutCancel(ctx), PresenceTopic(topic), &f) }, nil
}

// announce publishes a presence event.
func announce(ctx context.Context, b Broker, event, topic string, e PresenceEntry) error {
	return Publish(ctx, b, PresenceTopic(topic), PresenceEvent{Type: "presence", Event: event, Topic: topic, Entry: e})
}
