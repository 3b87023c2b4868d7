package ws_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// run serves h on a test server and returns a connected client and a stop
// function.
func run(h ws.HandlerFunc) (*websocket.Conn, func()) {
	srv := ws.NewServer(context.Background())
	ts := httptest.NewServer(srv.Handler(h))
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		panic(err)
	}
	return c, func() {
		c.Close()
		srv.Shutdown(context.Background(), 0)
		ts.Close()
	}
}

func ExampleHandlerFunc() {
	c, stop := run(func(c *ws.Conn) error {
		for msg := range c.Texts() {
			if err := c.SendText("echo: " + msg); err != nil {
				return err
			}
		}
		return c.Err()
	})
	defer stop()
	c.WriteMessage(websocket.TextMessage, []byte("hi"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	// Output: echo: hi
}

func ExampleEvents() {
	c, stop := run(ws.Events{
		OnConnect: func(c *ws.Conn) error { return c.SendText("welcome") },
		OnMessage: func(c *ws.Conn, m ws.Message) error { return c.SendText("you said " + m.Text()) },
	}.Handler())
	defer stop()
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.WriteMessage(websocket.TextMessage, []byte("hi"))
	_, msg, _ = c.ReadMessage()
	fmt.Println(string(msg))
	// Output:
	// welcome
	// you said hi
}

// Shout is a class-style endpoint.
type Shout struct{}

func (Shout) OnConnect(c *ws.Conn) error { return nil }
func (Shout) OnReceive(c *ws.Conn, m ws.Message) error {
	return c.SendText(strings.ToUpper(m.Text()))
}
func (Shout) OnDisconnect(c *ws.Conn, err error) {}

func ExampleServe() {
	c, stop := run(ws.Serve(Shout{}))
	defer stop()
	c.WriteMessage(websocket.TextMessage, []byte("quiet"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	// Output: QUIET
}
