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

// exampleDial serves h on a test server with opts and dials it, with
// permessage-deflate offered when deflate is set.
func exampleDial(h ws.HandlerFunc, deflate bool, opts ...ws.Option) (*websocket.Conn, func()) {
	srv := ws.NewServer(context.Background(), opts...)
	ts := httptest.NewServer(srv.Handler(h))
	d := websocket.Dialer{EnableCompression: deflate}
	c, _, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		panic(err)
	}
	return c, func() {
		c.Close()
		srv.Shutdown(context.Background(), 0)
		ts.Close()
	}
}

// A producer fills the send queue of a client that does not read yet,
// watching BufferedAmount, then waits for OnDrain before it goes on.
func ExampleWithOnDrain() {
	drained := make(chan struct{}, 1)
	onDrain := func(c *ws.Conn) { drained <- struct{}{} }
	c, stop := exampleDial(func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		pm := ws.NewPreparedMessage(ws.BinaryMessage, make([]byte, 16<<10))
		for c.BufferedAmount().Bytes <= 32<<10 { // above the low-water mark
			if err := c.SendPrepared(pm); err != nil {
				return err
			}
		}
		<-drained // the client reads again: the queue is back under 32 KiB
		return c.SendText("drained")
	}, false, ws.WithSendQueueBytes(128<<10), ws.WithOnDrain(32<<10, onDrain))
	defer stop()
	for {
		typ, msg, err := c.ReadMessage()
		if err != nil || typ == websocket.TextMessage {
			fmt.Println(string(msg), err)
			break
		}
	}
	// Output: drained <nil>
}

// Under SlowConsumerBlock a direct send waits for room in the send queue
// (WriteTimeout at most) instead of closing the slow client: here 100
// messages of 16 KiB go through a 64 KiB queue, none dropped.
func ExampleWithSlowConsumerPolicy() {
	c, stop := exampleDial(func(c *ws.Conn) error {
		chunk := make([]byte, 16<<10)
		for range 100 {
			if err := c.SendBytes(chunk); err != nil {
				return err
			}
		}
		return c.SendText(fmt.Sprintf("dropped %d", c.Stats().Dropped))
	}, false, ws.WithSendQueueBytes(64<<10), ws.WithSlowConsumerPolicy(ws.SlowConsumerBlock))
	defer stop()
	got := 0
	for {
		typ, msg, err := c.ReadMessage()
		if err != nil {
			panic(err)
		}
		if typ == websocket.TextMessage {
			fmt.Println(got, "messages,", string(msg))
			break
		}
		got++
	}
	// Output: 100 messages, dropped 0
}

// A client that sends nothing is closed with 1001 "idle timeout", though
// it answers every ping.
func ExampleWithIdleTimeout() {
	c, stop := exampleDial(func(c *ws.Conn) error {
		for {
			if _, err := c.Receive(); err != nil {
				return err
			}
		}
	}, false, ws.WithIdleTimeout(100*time.Millisecond))
	defer stop()
	_, _, err := c.ReadMessage()
	fmt.Println(err)
	// Output: websocket: close 1001 (going away): idle timeout
}

func ExampleConn_Closed() {
	states := make(chan [2]bool, 1)
	c, stop := exampleDial(func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		before := c.Closed()
		c.Close(ws.CloseNormal, "bye")
		states <- [2]bool{before, c.Closed()}
		return nil
	}, false)
	defer stop()
	c.ReadMessage()
	fmt.Println(<-states)
	// Output: [false true]
}

// On a route that compresses on request, a message made by
// NewCompressedMessage is compressed, once, for every client that
// negotiated permessage-deflate; other messages are not.
func ExampleNewCompressedMessage() {
	c, stop := exampleDial(func(c *ws.Conn) error {
		if err := c.Accept(); err != nil { // SendPrepared does not accept
			return err
		}
		pm := ws.NewCompressedMessage(ws.TextMessage, []byte(strings.Repeat("la", 1000)))
		if err := c.SendPrepared(pm); err != nil {
			return err
		}
		return c.SendText("not compressed")
	}, true, ws.WithCompressionOnRequest())
	defer stop()
	_, msg, _ := c.ReadMessage()
	fmt.Println(len(msg))
	_, msg, _ = c.ReadMessage()
	fmt.Println(string(msg))
	// Output:
	// 2000
	// not compressed
}
