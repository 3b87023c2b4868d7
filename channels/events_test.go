package channels_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

type chatMsg struct {
	Room string `json:"room" validate:"required"`
	Text string `json:"text" validate:"required,max=20"`
}

func TestEventsJSON(t *testing.T) {
	r := channels.NewRegistry()
	connected := make(chan *channels.Channel, 1)
	disconnected := make(chan error, 1)
	inputErrs := make(chan error, 8)
	e := serve(t, channels.Events[chatMsg]{
		Registry: r,
		OnConnect: func(ch *channels.Channel) error {
			connected <- ch
			return ch.Send(map[string]string{"hello": "world"})
		},
		OnMessage: func(ch *channels.Channel, m chatMsg) error { return ch.Send(m) },
		OnError: func(ch *channels.Channel, err error) error {
			inputErrs <- err
			return nil
		},
		OnDisconnect: func(ch *channels.Channel, err error) { disconnected <- err },
	}.Handler())
	c := e.dial()
	ch := recv(t, connected)
	c.ExpectText(`{"hello":"world"}`)
	if _, ok := r.Get(ch.UUID()); !ok {
		t.Fatal("channel not registered")
	}

	tests := []struct {
		name    string
		msgType int
		data    string
		code    string // the error frame's error, or "" for an echo
		field   string
	}{
		{"valid", websocket.TextMessage, `{"room":"a","text":"hi"}`, "", ""},
		{"invalid json", websocket.TextMessage, `{"room":`, "invalid_json", ""},
		{"wrong type", websocket.TextMessage, `{"room":1}`, "invalid_json", ""},
		{"validation", websocket.TextMessage, `{"room":"a"}`, "validation", "text"},
		{"too long", websocket.TextMessage, `{"room":"a","text":"123456789012345678901"}`, "validation", "text"},
		{"binary json", websocket.BinaryMessage, `{"room":"b","text":"ok"}`, "", ""},
		{"valid after", websocket.TextMessage, `{"room":"c","text":"still up"}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.WriteMessage(tt.msgType, []byte(tt.data))
			if tt.code == "" {
				var m chatMsg
				json.Unmarshal([]byte(tt.data), &m)
				want, _ := json.Marshal(m)
				c.ExpectText(string(want))
				return
			}
			var f ws.ErrorFrame
			c.ReadJSON(&f)
			if f.Type != "error" || f.Error != tt.code || (tt.field != "" && f.Fields[tt.field] == "") {
				t.Fatalf("frame %+v", f)
			}
			if err := recv(t, inputErrs); err == nil {
				t.Fatal("OnError got nil")
			}
		})
	}
	c.CloseNormal()
	if err := recv(t, disconnected); ws.CloseStatus(err) != ws.CloseNormal {
		t.Fatalf("OnDisconnect got %v", err)
	}
	waitDone(t, ch.Conn())
	if r.Len() != 0 {
		t.Fatal("channel still registered after disconnect")
	}
}

func TestEventsTextAndBytes(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		e := serve(t, channels.Events[string]{
			OnMessage: func(ch *channels.Channel, s string) error { return ch.Send(s + "!") },
		}.Handler())
		c := e.dial()
		c.SendBytes([]byte("x"))
		var f ws.ErrorFrame
		c.ReadJSON(&f)
		if f.Error != "message_type" {
			t.Fatalf("frame %+v", f)
		}
		c.SendText("hi")
		c.ExpectText("hi!")
	})
	t.Run("bytes", func(t *testing.T) {
		e := serve(t, channels.Events[[]byte]{
			OnMessage: func(ch *channels.Channel, b []byte) error { return ch.Send(append(b, '!')) },
		}.Handler())
		c := e.dial()
		c.SendText("x")
		var f ws.ErrorFrame
		c.ReadJSON(&f)
		if f.Error != "message_type" {
			t.Fatalf("frame %+v", f)
		}
		c.SendBytes([]byte("hi"))
		if b := c.ReadBytes(); string(b) != "hi!" {
			t.Fatalf("got %q", b)
		}
	})
	t.Run("json string", func(t *testing.T) {
		e := serve(t, channels.Events[string]{
			PayloadType: channels.JSON,
			OnMessage:   func(ch *channels.Channel, s string) error { return ch.Send(s + "!") },
		}.Handler())
		c := e.dial()
		c.SendText(`"hi"`)
		c.ExpectText(`"hi!"`)
	})
	t.Run("close on mismatch", func(t *testing.T) {
		e := serve(t, channels.Events[string]{
			ChannelOptions: []channels.ChannelOption{channels.WithCloseOnMismatch()},
		}.Handler())
		c := e.dial()
		c.SendBytes([]byte("x"))
		c.ExpectClose(ws.CloseUnsupportedData)
	})
}

func TestEventsErrors(t *testing.T) {
	t.Run("OnMessage error closes with 1011 without OnError", func(t *testing.T) {
		e := serve(t, channels.Events[string]{
			OnMessage: func(ch *channels.Channel, s string) error { return errors.New("boom") },
		}.Handler(), ws.WithLogger(discardLogger()))
		c := e.dial()
		c.SendText("x")
		c.ExpectClose(ws.CloseInternalError)
	})
	t.Run("OnError decides", func(t *testing.T) {
		e := serve(t, channels.Events[string]{
			OnMessage: func(ch *channels.Channel, s string) error { return errors.New(s) },
			OnError: func(ch *channels.Channel, err error) error {
				if err.Error() == "stop" {
					ch.Close(ws.ClosePolicyViolation, "stopped")
					return nil
				}
				return ch.Send("handled " + err.Error())
			},
		}.Handler())
		c := e.dial()
		c.SendText("one")
		c.ExpectText("handled one")
		c.SendText("stop")
		c.ExpectClose(ws.ClosePolicyViolation)
	})
	t.Run("auth required", func(t *testing.T) {
		e := serve(t, channels.Events[string]{
			ChannelOptions: []channels.ChannelOption{channels.WithAuthRequired()},
		}.Handler())
		e.dial().ExpectClose(ws.CloseUnauthorized)
	})
	t.Run("auth set by middleware", func(t *testing.T) {
		h := channels.Events[string]{
			ChannelOptions: []channels.ChannelOption{channels.WithAuthRequired()},
			OnMessage: func(ch *channels.Channel, s string) error {
				u, _ := ch.Conn().Get(channels.UserKey)
				return ch.Send(u.(string) + ": " + s)
			},
		}.Handler()
		e := serve(t, func(c *ws.Conn) error {
			c.Set(channels.UserKey, "ada")
			return h(c)
		})
		c := e.dial()
		c.SendText("hi")
		c.ExpectText("ada: hi")
	})
	t.Run("bad payload type panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		channels.Events[int]{PayloadType: channels.Text}.Handler()
	})
}
