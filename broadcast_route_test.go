package nexo_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// twoRoutes is an App with WebSocket routes /a and /b/{id}, whose
// handlers accept, send "ready" and wait for the client to close.
func twoRoutes(opts ...nexo.Option) *nexo.App {
	app := nexo.New(opts...)
	ready := func(c *ws.Conn) error {
		if err := c.SendText("ready"); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	}
	app.WebSocketRoute("/a", ready)
	app.WebSocketRoute("/b/{id}", ready)
	return app
}

// TestBroadcastRoute: app.BroadcastRoute reaches the connections of one
// route on both instances, and only them, over the in-process broker
// shared by two Apps and over Redis and NATS.
func TestBroadcastRoute(t *testing.T) {
	kinds := append([]brokerKind{{"memory", nil, nil}}, brokerKinds...)
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			var b1, b2 channels.Broker
			if kind.open == nil {
				b1 = channels.NewMemoryBroker()
				t.Cleanup(func() { b1.Close() })
				b2 = b1
			} else {
				kind.require(t)
				prefix := fmt.Sprintf("nexoroute%d:", time.Now().UnixNano())
				b1, b2 = kind.open(t, prefix), kind.open(t, prefix)
			}
			app1, app2 := twoRoutes(nexo.WithBroker(b1)), twoRoutes(nexo.WithBroker(b2))
			one, two := nexotest.NewServer(t, app1), nexotest.NewServer(t, app2)
			a1, a2, b := one.Dial("/a"), two.Dial("/a"), two.Dial("/b/7")
			all := []*nexotest.Conn{a1, a2, b}
			for _, c := range all {
				c.ExpectText("ready")
			}
			if err := app1.BroadcastRoute("/a", "to a"); err != nil {
				t.Fatal(err)
			}
			a1.ExpectText("to a")
			a2.ExpectText("to a")
			if err := app2.BroadcastRoute("/b/{id}", map[string]int{"n": 1}); err != nil {
				t.Fatal(err)
			}
			var got map[string]int
			b.ReadJSON(&got) // b's first message: "to a" never reached it
			if got["n"] != 1 {
				t.Fatalf("got %v", got)
			}
			if err := app1.Broadcast("all"); err != nil {
				t.Fatal(err)
			}
			for _, c := range all { // nothing else came in between
				c.ExpectText("all")
			}
			for _, c := range all {
				c.CloseNormal()
			}
		})
	}
}
