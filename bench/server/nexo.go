package main

import (
	"fmt"
	"net/http"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// nexoMode says how the nexo contender fans a message out.
type nexoMode int

const (
	nexoGroup     nexoMode = iota // channels.Group.SendText
	nexoJoin                      // channels.Join + Subscription.Publish through the broker
	nexoBroadcast                 // app.Broadcast through the broker
)

// newNexo serves /echo and /fanout with nexo's public API only, with
// nexo.New()'s defaults and no option at all (origin check on, 1,024-message
// send queues, heartbeats, the default slog logger, the browser client
// served at /nexo/client.js).
// NEXO_BROKER chooses the broker as in any nexo app, which is how the
// two-instance Redis and NATS scenarios run.
func newNexo(mode nexoMode) (http.Handler, func(), error) {
	app := nexo.New()
	if err := app.Err(); err != nil {
		return nil, nil, err
	}
	app.WebSocketRoute("/echo", nexoEcho)
	switch mode {
	case nexoGroup:
		g := channels.NewGroup("fanout")
		app.WebSocketRoute("/fanout", func(c *ws.Conn) error {
			ch := channels.NewChannel(c, channels.Text)
			g.Add(ch)
			defer g.Remove(ch)
			for {
				m, err := c.Receive()
				if err != nil {
					return err
				}
				g.SendText(string(m.Data))
			}
		})
	case nexoJoin:
		app.WebSocketRoute("/fanout", func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			sub, err := channels.Join(c, "fanout")
			if err != nil {
				return err
			}
			defer sub.Leave()
			for {
				m, err := c.Receive()
				if err != nil {
					return err
				}
				if err := sub.Publish(string(m.Data)); err != nil {
					return err
				}
			}
		})
	case nexoBroadcast:
		app.WebSocketRoute("/fanout", func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			for {
				m, err := c.Receive()
				if err != nil {
					return err
				}
				if err := app.Broadcast(string(m.Data)); err != nil {
					return err
				}
			}
		})
	default:
		return nil, nil, fmt.Errorf("unknown nexo mode %d", mode)
	}
	return app, func() {}, nil
}

// nexoEcho sends every message back as it came, like examples/echo.
func nexoEcho(c *ws.Conn) error {
	for {
		m, err := c.Receive()
		if err != nil {
			return err
		}
		if err := c.Send(m); err != nil {
			return err
		}
	}
}
