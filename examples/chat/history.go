package main

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/nexogo/nexo/channels"
)

// historySize is how many messages a newcomer gets.
const historySize = 50

// history keeps the last messages of every room this instance has served,
// fed by a subscription of its own to each room's topic, so that messages
// published on other instances are kept too.
type history struct {
	broker channels.Broker
	mu     sync.Mutex
	rooms  map[string]*ring
}

type ring struct {
	msgs []chatMessage
	sub  *channels.SubscriberFunc
}

func newHistory(b channels.Broker) *history {
	return &history{broker: b, rooms: make(map[string]*ring)}
}

// watch starts recording topic, once.
func (h *history) watch(ctx context.Context, topic string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.rooms[topic]; ok {
		return nil
	}
	r := &ring{}
	f := channels.SubscriberFunc(func(m *channels.Message) {
		var cm chatMessage
		if json.Unmarshal(m.Data, &cm) != nil || cm.Type != "message" {
			return
		}
		h.mu.Lock()
		r.msgs = append(r.msgs, cm)
		if len(r.msgs) > historySize {
			r.msgs = r.msgs[len(r.msgs)-historySize:]
		}
		h.mu.Unlock()
	})
	r.sub = &f
	if err := h.broker.Subscribe(ctx, topic, r.sub); err != nil {
		return err
	}
	h.rooms[topic] = r
	return nil
}

// last returns a copy of topic's recent messages, oldest first.
func (h *history) last(topic string) []chatMessage {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rooms[topic]
	if r == nil {
		return []chatMessage{}
	}
	return append([]chatMessage{}, r.msgs...)
}
