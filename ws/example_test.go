package ws_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// run serves h on a test server and returns a connected client and a stop
// function.
func run(h ws.HandlerFunc) (*websocket.Conn, func()) { return exampleDial(h, false) }

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

// A handler that has not accepted within the handshake timeout has its
// request refused with 503, and its context ends.
func ExampleWithHandshakeTimeout() {
	srv := ws.NewServer(context.Background(), ws.WithHandshakeTimeout(100*time.Millisecond))
	ts := httptest.NewServer(srv.Handler(func(c *ws.Conn) error {
		<-c.Context().Done() // waits for something before accepting, too long
		return c.Accept()    // ws.ErrNotAccepted: not a handler error
	}))
	defer ts.Close()
	defer srv.Shutdown(context.Background(), 0)
	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	fmt.Println(resp.StatusCode, err)
	// Output: 503 websocket: bad handshake
}

// The send queue is bounded in bytes as well as in messages: a client
// that reads nothing is closed with 1013 once 64 KiB wait for it.
func ExampleWithSendQueueBytes() {
	srv := ws.NewServer(context.Background(), ws.WithSendQueueBytes(64<<10))
	ended := make(chan error, 1)
	ts := httptest.NewServer(srv.Handler(func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		chunk := make([]byte, 16<<10)
		for {
			if err := c.SendBytes(chunk); err != nil {
				ended <- err
				return nil
			}
		}
	}))
	defer ts.Close()
	defer srv.Shutdown(context.Background(), 0)
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(<-ended)
	// Output: ws: send queue full
}
