package nexo

import (
	"context"
	"fmt"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// Topics the App uses for its own cross-instance messages.
const (
	broadcastTopic = "nexo.broadcast"
	directTopic    = "nexo.direct"
)

// Broker returns the App's broker: the in-process one unless WithBroker or
// NEXO_BROKER chose another. Handlers reach it with channels.BrokerFor(c).
func (a *App) Broker() channels.Broker { return a.broker }

// Publish sends v to every subscriber of topic on every instance: bytes as
// binary frames, strings as text, anything else as JSON.
func (a *App) Publish(ctx context.Context, topic string, v any) error {
	return channels.Publish(ctx, a.broker, topic, v)
}

// SendTo sends v to the connection with the given ID, wherever it is
// connected (Robyn's send_to). A connection of this instance gets it
// directly; otherwise it goes through the broker and is dropped by every
// instance that does not hold the connection, so no error tells that the
// ID is unknown. A connection of this instance whose handler has not
// accepted yet is not sent to: the error matches ws.ErrNotAccepted (see
// ws.Conn.SendPrepared).
func (a *App) SendTo(connID string, v any) error {
	if c, ok := a.ws.Conn(connID); ok {
		pm, err := ws.Prepare(v)
		if err != nil {
			return err
		}
		return c.SendPrepared(pm)
	}
	m, err := channels.NewMessage(directTopic, v)
	if err != nil {
		return err
	}
	m.To = connID
	return a.broker.Publish(a.ctx, directTopic, m)
}

// Broadcast sends v to every WebSocket connection of every instance
// (Robyn's broadcast). The message is encoded and framed once per instance.
func (a *App) Broadcast(v any) error {
	m, err := channels.NewMessage(broadcastTopic, v)
	if err != nil {
		return err
	}
	return a.broker.Publish(a.ctx, broadcastTopic, m)
}

// listen subscribes the App to its own topics.
func (a *App) listen() error {
	broadcast := channels.SubscriberFunc(func(m *channels.Message) {
		pm := m.Prepared()
		for _, c := range a.ws.Conns() {
			c.SendPrepared(pm) // not yet accepted: ErrNotAccepted, nothing done
		}
	})
	direct := channels.SubscriberFunc(func(m *channels.Message) {
		if c, ok := a.ws.Conn(m.To); ok {
			c.SendPrepared(m.Prepared())
		}
	})
	if err := a.broker.Subscribe(a.ctx, broadcastTopic, &broadcast); err != nil {
		return fmt.Errorf("nexo: broker: %w", err)
	}
	if err := a.broker.Subscribe(a.ctx, directTopic, &direct); err != nil {
		return fmt.Errorf("nexo: broker: %w", err)
	}
	return nil
}

// attach is the first WS middleware of every route: it hands the App's
// broker to the connection.
func (a *App) attach() ws.Middleware { return channels.Attach(a.broker) }
