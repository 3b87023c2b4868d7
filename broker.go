package nexo

import (
	"context"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// Broker returns the App's broker: the in-process one unless WithBroker or
// NEXO_BROKER (with the broker's package imported) chose another. Handlers reach it with channels.BrokerFor(c).
func (a *App) Broker() channels.Broker { return a.broker }

// Publish sends v to every subscriber of topic on every instance: bytes as
// binary frames, strings as text, anything else as JSON. channels.Compress
// asks for compression where permessage-deflate was negotiated.
func (a *App) Publish(ctx context.Context, topic string, v any, opts ...channels.PublishOption) error {
	return channels.Publish(ctx, a.broker, topic, v, opts...)
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

// attach is the first WS middleware of every route: it hands the App's
// broker to the connection.
func (a *App) attach() ws.Middleware { return channels.Attach(a.broker) }
