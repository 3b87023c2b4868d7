package nexo

import (
	"encoding/binary"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// routeBroadcastTopic carries BroadcastRoute between instances. A message
// on it holds the route's pattern before the payload (see routeEnvelope),
// so that it is published once whatever the number of instances.
const routeBroadcastTopic = "nexo.broadcast.route"

// BroadcastRoute sends v to every WebSocket connection, on every instance,
// that was routed to pattern (Robyn's broadcast on one endpoint). pattern
// is the route's full pattern, as c.Request().Pattern reports it:
// "/rooms/{id}" reaches every room's connections, and a route registered
// as "/live" on a router mounted at "/api" is "/api/live". Like
// Broadcast, the message goes through the broker and is encoded and framed
// once per instance; a connection whose handler has not accepted yet is
// skipped. An unknown pattern reaches no one, without error.
func (a *App) BroadcastRoute(pattern string, v any) error {
	pm, err := ws.Prepare(v)
	if err != nil {
		return err
	}
	m := &channels.Message{Topic: routeBroadcastTopic, Type: pm.Type(), Data: routeEnvelope(pattern, pm.Data())}
	return a.broker.Publish(a.ctx, routeBroadcastTopic, m)
}

// routeBroadcaster is the App's subscriber to routeBroadcastTopic.
func (a *App) routeBroadcaster() channels.Subscriber {
	f := channels.SubscriberFunc(func(m *channels.Message) {
		pattern, data, ok := openRouteEnvelope(m.Data)
		if !ok {
			return
		}
		var pm *ws.PreparedMessage
		for _, c := range a.ws.Conns() {
			if c.Accepted() && c.Request().Pattern == pattern {
				if pm == nil {
					pm = ws.NewPreparedMessage(m.Type, data)
				}
				c.SendPrepared(pm)
			}
		}
	})
	return &f
}

// routeEnvelope returns data preceded by pattern and its length.
func routeEnvelope(pattern string, data []byte) []byte {
	b := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(pattern)+len(data)), uint64(len(pattern)))
	return append(append(b, pattern...), data...)
}

// openRouteEnvelope splits what routeEnvelope made.
func openRouteEnvelope(b []byte) (pattern string, data []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}
