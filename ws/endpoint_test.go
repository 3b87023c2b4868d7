package ws_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// onMessage is an endpoint with the settled name of the message method.
type onMessage struct{}

func (onMessage) OnConnect(c *ws.Conn) error         { return nil }
func (onMessage) OnDisconnect(c *ws.Conn, err error) {}
func (onMessage) OnMessage(c *ws.Conn, m ws.Message) error {
	return c.SendText("message " + m.Text())
}

// onReceive is an endpoint written before OnMessage.
type onReceive struct{}

func (onReceive) OnConnect(c *ws.Conn) error         { return nil }
func (onReceive) OnDisconnect(c *ws.Conn, err error) {}
func (onReceive) OnReceive(c *ws.Conn, m ws.Message) error {
	return c.SendText("receive " + m.Text())
}

// both has both names: OnMessage wins.
type both struct{ onMessage }

func (both) OnReceive(c *ws.Conn, m ws.Message) error { return c.SendText("receive") }

func TestServeMessageMethod(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    ws.Endpoint
		want string
	}{
		{"OnMessage", onMessage{}, "message hi"},
		{"OnReceive (deprecated)", onReceive{}, "receive hi"},
		{"both: OnMessage", both{}, "message hi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := serve(t, ws.Serve(tc.e))
			c := s.Dial("/ws")
			c.SendText("hi")
			c.ExpectText(tc.want)
			c.CloseNormal()
		})
	}
}

// noMessage has no message method at all, or one of another type.
type noMessage struct{}

func (noMessage) OnConnect(c *ws.Conn) error         { return nil }
func (noMessage) OnDisconnect(c *ws.Conn, err error) {}

func TestServePanicsWithoutOnMessage(t *testing.T) {
	for _, e := range []ws.Endpoint{noMessage{}, &typedText{}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "OnMessage") {
					t.Fatalf("Serve(%T): recovered %v, want a panic naming OnMessage", e, r)
				}
			}()
			ws.Serve(e)
		}()
	}
}

type typedText struct{ noMessage }

func (*typedText) OnMessage(c *ws.Conn, s string) error { return c.SendText(strings.ToUpper(s)) }

type typedBytes struct{ noMessage }

func (*typedBytes) OnMessage(c *ws.Conn, b []byte) error { return c.SendBytes(append(b, '!')) }

type order struct {
	Item string `json:"item" validate:"required"`
	N    int    `json:"n" validate:"min=1"`
}

// typedJSON counts the errors OnError saw.
type typedJSON struct {
	noMessage
	errs chan error
}

func (e *typedJSON) OnMessage(c *ws.Conn, o order) error {
	if o.Item == "boom" {
		return errors.New("boom")
	}
	return c.SendJSON(o)
}

func (e *typedJSON) OnError(c *ws.Conn, err error) error {
	e.errs <- err
	if err.Error() == "boom" {
		return err
	}
	return nil
}

// Each encoding over a real socket: the right frame is decoded, the wrong
// kind of frame closes with 1003.
func TestServeTypedEncodings(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		s, _ := serve(t, ws.ServeTyped[string](&typedText{}))
		c := s.Dial("/ws")
		c.SendText("quiet")
		c.ExpectText("QUIET")
		c.SendBytes([]byte("quiet"))
		c.ExpectClose(ws.CloseUnsupportedData)
	})
	t.Run("bytes", func(t *testing.T) {
		s, _ := serve(t, ws.ServeTyped[[]byte](&typedBytes{}))
		c := s.Dial("/ws")
		c.SendBytes([]byte{1, 2})
		if got := c.ReadBytes(); string(got) != "\x01\x02!" {
			t.Fatalf("got %q", got)
		}
		c.SendText("not bytes")
		c.ExpectClose(ws.CloseUnsupportedData)
	})
	t.Run("json", func(t *testing.T) {
		e := &typedJSON{errs: make(chan error, 4)}
		s, _ := serve(t, ws.ServeTyped[order](e))
		c := s.Dial("/ws")
		for _, frame := range []func(){
			func() { c.SendText(`{"item":"tea","n":2}`) },
			func() { c.SendBytes([]byte(`{"item":"tea","n":2}`)) }, // JSON in a binary frame is JSON too
		} {
			frame()
			var got order
			c.ReadJSON(&got)
			if got != (order{"tea", 2}) {
				t.Fatalf("got %+v", got)
			}
		}
		c.SendText(`{"item":`)
		var f ws.ErrorFrame
		c.ReadJSON(&f)
		var de *ws.DecodeError
		if err := <-e.errs; f.Error != "invalid_json" || !errors.As(err, &de) {
			t.Fatalf("bad JSON: frame %+v, OnError %v", f, err)
		}
		c.SendText(`{"item":"tea","n":0}`)
		f = ws.ErrorFrame{}
		c.ReadJSON(&f)
		var ve *ws.ValidationError
		if err := <-e.errs; f.Error != "validation" || f.Fields["n"] != "min=1" || !errors.As(err, &ve) {
			t.Fatalf("invalid: frame %+v, OnError %v", f, err)
		}
		c.SendText(`{"item":"boom","n":1}`) // OnError returns the handler's error: 1011
		c.ExpectClose(ws.CloseInternalError)
	})
}

// Without OnError, input errors are answered and the connection stays
// open.
func TestServeTypedWithoutOnError(t *testing.T) {
	s, _ := serve(t, ws.ServeTyped[order](&typedOrders{}))
	c := s.Dial("/ws")
	c.SendText(`[]`)
	var f ws.ErrorFrame
	c.ReadJSON(&f)
	if f.Error != "invalid_json" {
		t.Fatalf("got %+v", f)
	}
	c.SendText(`{"item":"tea","n":1}`)
	c.ExpectText("tea")
	c.CloseNormal()
}

type typedOrders struct{ noMessage }

func (*typedOrders) OnMessage(c *ws.Conn, o order) error { return c.SendText(o.Item) }
