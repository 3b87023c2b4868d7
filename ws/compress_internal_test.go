package ws

import (
	"bytes"
	"context"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestCompressedOncePerFanOut: a message made by NewCompressedMessage and
// queued on 20 connections that negotiated permessage-deflate is
// compressed once: gorilla's prepared message, made once per
// PreparedMessage, then holds two frames, the plain one and one
// compressed, however many connections it went to. Every client reads the
// message whole.
func TestCompressedOncePerFanOut(t *testing.T) {
	const n = 20
	data := []byte(strings.Repeat("the same bytes for every member ", 100))
	srv := NewServer(context.Background(), WithCompressionOnRequest())
	conns := make(chan *Conn, n)
	ts := httptest.NewServer(srv.Handler(func(c *Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		conns <- c
		_, err := c.Receive()
		return err
	}))
	defer ts.Close()
	defer srv.Shutdown(context.Background(), 0)
	d := websocket.Dialer{EnableCompression: true}
	clients := make([]*websocket.Conn, n)
	for i := range clients {
		c, _, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	pm := NewCompressedMessage(TextMessage, data)
	for range n {
		c := <-conns
		if !c.compress {
			t.Fatal("permessage-deflate not negotiated")
		}
		if err := c.SendPrepared(pm); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range clients {
		if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("client %d: %v, %d bytes", i, err, len(got))
		}
	}
	gpm, err := pm.gorilla()
	if err != nil {
		t.Fatal(err)
	}
	// gorilla keeps one frame per set of options (its prepareKey); the
	// count is read from its unexported field, as nothing else shows it.
	if frames := reflect.ValueOf(gpm).Elem().FieldByName("frames").Len(); frames != 2 {
		t.Fatalf("gorilla's prepared message holds %d frames, want the plain one and one compressed", frames)
	}
}
