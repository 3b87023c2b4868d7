package nexo_test

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// Counter stands for a dependency: a database, a client, a cache.
type Counter struct{ n atomic.Int64 }

// Next returns the next number.
func (c *Counter) Next() int64 { return c.n.Add(1) }

// hits is a handler that gets its dependency from a closure: the Go form of
// Robyn's inject and Nexios's Depend.
func hits(counter *Counter) ws.HandlerFunc {
	return func(c *ws.Conn) error {
		return c.SendText(fmt.Sprint("hit ", counter.Next()))
	}
}

// Visits is an endpoint that gets its dependency from a struct field.
type Visits struct{ Counter *Counter }

func (v Visits) OnConnect(c *ws.Conn) error {
	return c.SendText(fmt.Sprint("visit ", v.Counter.Next()))
}
func (Visits) OnMessage(c *ws.Conn, m ws.Message) error { return nil }
func (Visits) OnDisconnect(c *ws.Conn, err error)       {}

// Dependencies are plain values handed to the handler: by a closure, or as
// fields of an endpoint. Both are checked by the compiler, and neither
// needs a global.
func Example_dependencies() {
	counter := &Counter{}
	app := nexo.New()
	app.WebSocketRoute("/hits", hits(counter))
	app.WebSocketRoute("/visits", ws.Serve(Visits{Counter: counter}))
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	for _, path := range []string{"/hits", "/visits", "/hits"} {
		c := dial(srv, path)
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
		c.Close()
	}
	// Output:
	// hit 1
	// visit 2
	// hit 3
}

// Provide makes a value available to every handler of one App, read by
// type with Value from the connection's (or the request's) context: for
// handlers that cannot be handed it, such as middleware shared by several
// apps.
func ExampleProvide() {
	app := nexo.New()
	nexo.Provide(app, &Counter{})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		counter, ok := nexo.Value[*Counter](c.Context())
		if !ok {
			return c.Close(ws.CloseInternalError, "no counter")
		}
		return c.SendText(fmt.Sprint("hit ", counter.Next()))
	})
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	for range 2 {
		c := dial(srv, "/ws")
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
		c.Close()
	}
	// Output:
	// hit 1
	// hit 2
}
