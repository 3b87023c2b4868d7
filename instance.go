package nexo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// Topics the App uses for its own cross-instance messages. Besides the
// shared direct topic, each instance has its own, "nexo.direct.<instance>",
// which reaches only the instance that holds a connection; the shared one
// reaches every instance, for DisconnectUser and for connection IDs that
// name no instance. A message on a direct topic is either for one
// connection (Message.To) or, without To, a command (disconnect).
const (
	broadcastTopic = "nexo.broadcast"
	directTopic    = "nexo.direct"
)

// idSeparator ends the instance ID at the start of every connection ID.
const idSeparator = "."

// newInstanceID returns a random instance ID: 16 hex digits, which never
// contain idSeparator.
func newInstanceID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// holder returns the instance that holds the connection with the given
// ID, as its ID tells. It reports false for an ID that names none.
func holder(connID string) (string, bool) {
	inst, rest, ok := strings.Cut(connID, idSeparator)
	return inst, ok && inst != "" && rest != ""
}

// route returns the direct topic that reaches the holder of connID: the
// holder's own, or the shared one (every instance) when the ID names no
// instance. local reports that the ID names this instance.
func (a *App) route(connID string) (topic string, local bool) {
	inst, ok := holder(connID)
	if !ok {
		return directTopic, false
	}
	return directTopic + "." + inst, inst == a.instance
}

// SendTo sends v to the connection with the given ID, wherever it is
// connected (Robyn's send_to). A connection of this instance gets it
// directly. Otherwise it goes through the broker to the instance that
// holds the connection, which its ID names; the other instances see
// nothing of it. No error tells that the ID is unknown or that the
// connection has ended. A connection of this instance whose handler has
// not accepted yet is not sent to: the error matches ws.ErrNotAccepted
// (see ws.Conn.SendPrepared).
func (a *App) SendTo(connID string, v any) error {
	if c, ok := a.ws.Conn(connID); ok {
		pm, err := ws.Prepare(v)
		if err != nil {
			return err
		}
		return c.SendPrepared(pm)
	}
	topic, local := a.route(connID)
	if local { // ours, and gone
		return nil
	}
	m, err := channels.NewMessage(topic, v)
	if err != nil {
		return err
	}
	m.To = connID
	return a.broker.Publish(a.ctx, topic, m)
}

// subscription is one of the App's own subscriptions.
type subscription struct {
	topic string
	s     channels.Subscriber
}

// listen subscribes the App to its own topics.
func (a *App) listen() error {
	broadcast := channels.SubscriberFunc(func(m *channels.Message) {
		pm := m.Prepared()
		for _, c := range a.ws.Conns() {
			if c.Accepted() {
				c.SendPrepared(pm)
			}
		}
	})
	direct := channels.SubscriberFunc(func(m *channels.Message) {
		if m.To == "" {
			a.command(m)
		} else if c, ok := a.ws.Conn(m.To); ok {
			c.SendPrepared(m.Prepared())
		}
	})
	for _, s := range []subscription{
		{broadcastTopic, &broadcast},
		{routeBroadcastTopic, a.routeBroadcaster()},
		{directTopic, &direct},
		{directTopic + "." + a.instance, &direct},
	} {
		if err := a.broker.Subscribe(a.ctx, s.topic, s.s); err != nil {
			return fmt.Errorf("nexo: broker: %w", err)
		}
		a.subs = append(a.subs, s)
	}
	return nil
}

// unlisten removes the App's own subscriptions from a broker it was given,
// which may live on after the App.
func (a *App) unlisten(ctx context.Context) error {
	if a.ownBroker {
		return nil // Close ends them
	}
	var errs []error
	for _, s := range a.subs {
		if err := a.broker.Unsubscribe(ctx, s.topic, s.s); err != nil {
			errs = append(errs, fmt.Errorf("nexo: broker: %w", err))
		}
	}
	return errors.Join(errs...)
}
