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

// run serves h on a test server with opts and returns a connected client
// and a stop function.
func run(h ws.HandlerFunc, opts ...ws.Option) (*websocket.Conn, func()) {
	return exampleDial(h, false, opts...)
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
func (Shout) OnMessage(c *ws.Conn, m ws.Message) error {
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

// Move is what a Game endpoint receives: its type declares the encoding
// (JSON), and its tags are checked before OnMessage runs.
type Move struct {
	X int `json:"x" validate:"min=0,max=2"`
	Y int `json:"y" validate:"min=0,max=2"`
}

// Game is a class-style endpoint that receives decoded Moves.
type Game struct{}

func (Game) OnConnect(c *ws.Conn) error         { return nil }
func (Game) OnDisconnect(c *ws.Conn, err error) {}
func (Game) OnMessage(c *ws.Conn, m Move) error {
	return c.SendText(fmt.Sprintf("move to %d,%d", m.X, m.Y))
}

// ServeTyped decodes every message by the endpoint's message type: JSON
// here (string is text, []byte binary). Invalid input is answered with an
// error frame; a frame of the wrong kind would close with 1003.
func ExampleServeTyped() {
	c, stop := run(ws.ServeTyped[Move](Game{}))
	defer stop()
	c.WriteMessage(websocket.TextMessage, []byte(`{"x":1,"y":2}`))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.WriteMessage(websocket.TextMessage, []byte(`{"x":1,"y":7}`))
	_, msg, _ = c.ReadMessage()
	fmt.Println(string(msg))
	// Output:
	// move to 1,2
	// {"type":"error","error":"validation","message":"validation failed","fields":{"y":"max=2"}}
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

// A router with a prefix puts it before every pattern, so that it is
// mounted without restating it (nexo's app.MountWS("/", r)).
func ExampleWithPrefix() {
	r := ws.NewRouter(ws.WithPrefix("/chat"))
	r.HandleFunc("/{room}", func(c *ws.Conn) error { return c.SendText("hi") })
	r.HandleFunc("/admin", func(c *ws.Conn) error { return nil })
	for _, rt := range r.Routes() {
		fmt.Println(rt.Pattern)
	}
	// Output:
	// /chat/{room}
	// /chat/admin
}
