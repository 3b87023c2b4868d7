package channels_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// channelServer serves connections wrapped in channels of type t and hands
// each channel to the test.
func channelServer(t *testing.T, typ channels.PayloadType, opts ...channels.ChannelOption) (*env, <-chan *channels.Channel) {
	t.Helper()
	got := make(chan *channels.Channel, 16)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, typ, opts...)
		got <- ch
		return readLoop(c)
	})
	return e, got
}

func TestChannelFields(t *testing.T) {
	e, got := channelServer(t, channels.JSON, channels.WithTTL(time.Hour))
	e.dial()
	ch := recv(t, got)
	if ch.UUID() == "" || ch.UUID() == ch.Conn().ID() {
		t.Errorf("UUID %q (conn %q)", ch.UUID(), ch.Conn().ID())
	}
	if ch.PayloadType() != channels.JSON || ch.PayloadType().String() != "json" {
		t.Errorf("PayloadType %v", ch.PayloadType())
	}
	if d := ch.Expires().Sub(ch.Created()); d != time.Hour {
		t.Errorf("Expires - Created = %v", d)
	}
	if ch.Expired() {
		t.Error("expired at once")
	}

	e2, got2 := channelServer(t, channels.Text)
	e2.dial()
	if ch := recv(t, got2); !ch.Expires().IsZero() || ch.Expired() {
		t.Errorf("no TTL: Expires %v, Expired %v", ch.Expires(), ch.Expired())
	}
}

func TestChannelSendByPayloadType(t *testing.T) {
	tests := []struct {
		name     string
		typ      channels.PayloadType
		send     func(ch *channels.Channel) error
		wantType int // 0: an ErrPayloadType error
		want     string
	}{
		{"json/Send struct", channels.JSON, func(ch *channels.Channel) error { return ch.Send(struct{ A int }{1}) }, websocket.TextMessage, `{"A":1}`},
		{"json/Send string", channels.JSON, func(ch *channels.Channel) error { return ch.Send("hi") }, websocket.TextMessage, `"hi"`},
		{"json/SendJSON", channels.JSON, func(ch *channels.Channel) error { return ch.SendJSON([]int{1, 2}) }, websocket.TextMessage, `[1,2]`},
		{"json/SendText", channels.JSON, func(ch *channels.Channel) error { return ch.SendText("hi") }, 0, ""},
		{"json/SendBytes", channels.JSON, func(ch *channels.Channel) error { return ch.SendBytes([]byte{1}) }, 0, ""},
		{"text/Send string", channels.Text, func(ch *channels.Channel) error { return ch.Send("hi") }, websocket.TextMessage, "hi"},
		{"text/SendText", channels.Text, func(ch *channels.Channel) error { return ch.SendText("hé") }, websocket.TextMessage, "hé"},
		{"text/Send int", channels.Text, func(ch *channels.Channel) error { return ch.Send(42) }, 0, ""},
		{"text/Send bytes", channels.Text, func(ch *channels.Channel) error { return ch.Send([]byte("hi")) }, 0, ""},
		{"text/SendJSON", channels.Text, func(ch *channels.Channel) error { return ch.SendJSON("hi") }, 0, ""},
		{"bytes/Send bytes", channels.Bytes, func(ch *channels.Channel) error { return ch.Send([]byte{0, 1}) }, websocket.BinaryMessage, "\x00\x01"},
		{"bytes/SendBytes", channels.Bytes, func(ch *channels.Channel) error { return ch.SendBytes([]byte{2}) }, websocket.BinaryMessage, "\x02"},
		{"bytes/Send string", channels.Bytes, func(ch *channels.Channel) error { return ch.Send("hi") }, 0, ""},
		{"bytes/SendText", channels.Bytes, func(ch *channels.Channel) error { return ch.SendText("hi") }, 0, ""},
	}
	servers := map[channels.PayloadType]struct {
		ch *channels.Channel
		c  *nexotest.Conn
	}{}
	for _, typ := range []channels.PayloadType{channels.JSON, channels.Text, channels.Bytes} {
		e, got := channelServer(t, typ)
		c := e.dial()
		servers[typ] = struct {
			ch *channels.Channel
			c  *nexotest.Conn
		}{recv(t, got), c}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := servers[tt.typ]
			err := tt.send(s.ch)
			if tt.wantType == 0 {
				if !errors.Is(err, channels.ErrPayloadType) {
					t.Fatalf("err = %v, want ErrPayloadType", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			typ, data := s.c.Read()
			if typ != tt.wantType || string(data) != tt.want {
				t.Fatalf("got %d %q, want %d %q", typ, data, tt.wantType, tt.want)
			}
		})
	}
	// Nothing went out for the refused payloads: a marker is next.
	for _, s := range servers {
		var marker any = "end"
		if s.ch.PayloadType() == channels.Bytes {
			marker = []byte("end")
		}
		if err := s.ch.Send(marker); err != nil {
			t.Fatal(err)
		}
		if _, data := s.c.Read(); string(data) != "end" && string(data) != `"end"` {
			t.Fatalf("%v: got %q, want the marker", s.ch.PayloadType(), data)
		}
	}
}

func TestChannelReceiveChecksFrames(t *testing.T) {
	type result struct {
		m   ws.Message
		err error
	}
	tests := []struct {
		name    string
		typ     channels.PayloadType
		msgType int
		data    string
		wantErr func(error) bool
	}{
		{"text ok", channels.Text, websocket.TextMessage, "hi", nil},
		{"text gets binary", channels.Text, websocket.BinaryMessage, "hi", isTypeErr},
		{"bytes ok", channels.Bytes, websocket.BinaryMessage, "\x01", nil},
		{"bytes gets text", channels.Bytes, websocket.TextMessage, "hi", isTypeErr},
		{"json ok", channels.JSON, websocket.TextMessage, `{"a":1}`, nil},
		{"json binary ok", channels.JSON, websocket.BinaryMessage, `[1]`, nil},
		{"json invalid", channels.JSON, websocket.TextMessage, `{"a":`, isDecodeErr},
		{"json empty", channels.JSON, websocket.TextMessage, ``, isDecodeErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := make(chan result, 2)
			e := serve(t, func(c *ws.Conn) error {
				ch := channels.NewChannel(c, tt.typ)
				for {
					m, err := ch.Receive()
					if c.Context().Err() != nil {
						return err
					}
					results <- result{m, err}
				}
			})
			c := e.dial()
			if err := c.WriteMessage(tt.msgType, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			r := recv(t, results)
			if tt.wantErr == nil {
				if r.err != nil || string(r.m.Data) != tt.data {
					t.Fatalf("got %q, %v", r.m.Data, r.err)
				}
			} else if !tt.wantErr(r.err) {
				t.Fatalf("err = %v", r.err)
			}
			// The connection stays up: a fitting message still arrives.
			ok := map[channels.PayloadType]struct {
				typ  int
				data string
			}{channels.Text: {websocket.TextMessage, "ok"}, channels.Bytes: {websocket.BinaryMessage, "ok"}, channels.JSON: {websocket.TextMessage, `"ok"`}}[tt.typ]
			c.WriteMessage(ok.typ, []byte(ok.data))
			if r := recv(t, results); r.err != nil || string(r.m.Data) != ok.data {
				t.Fatalf("after: %q, %v", r.m.Data, r.err)
			}
		})
	}
}

func isTypeErr(err error) bool {
	return errors.Is(err, channels.ErrPayloadType) && errors.Is(err, ws.ErrMessageType)
}

func isDecodeErr(err error) bool {
	var de *ws.DecodeError
	return errors.As(err, &de)
}

func TestChannelTypedReceives(t *testing.T) {
	type msg struct {
		Name string `json:"name" validate:"required"`
	}
	errs := make(chan error, 8)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON)
		_, err := ch.ReceiveText()
		errs <- err
		_, err = ch.ReceiveBytes()
		errs <- err
		var m msg
		errs <- ch.ReceiveJSON(&m) // validation fails
		errs <- ch.ReceiveJSON(&m) // invalid for msg
		if err := ch.ReceiveJSON(&m); err != nil {
			return err
		}
		return ch.Send(m)
	})
	c := e.dial()
	if err := recv(t, errs); !errors.Is(err, channels.ErrPayloadType) {
		t.Fatalf("ReceiveText on JSON: %v", err)
	}
	if err := recv(t, errs); !errors.Is(err, channels.ErrPayloadType) {
		t.Fatalf("ReceiveBytes on JSON: %v", err)
	}
	c.SendText(`{}`)
	var ve *ws.ValidationError
	if err := recv(t, errs); !errors.As(err, &ve) || ve.Fields["name"] != "required" {
		t.Fatalf("validation: %v", err)
	}
	c.SendText(`{"name":5}`)
	if err := recv(t, errs); !isDecodeErr(err) {
		t.Fatalf("decode: %v", err)
	}
	c.SendText(`{"name":"ada"}`)
	c.ExpectText(`{"name":"ada"}`)
}

func TestChannelCloseOnMismatch(t *testing.T) {
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text, channels.WithCloseOnMismatch())
		for {
			s, err := ch.ReceiveText()
			if errors.Is(err, channels.ErrPayloadType) {
				continue // the close is under way; Receive reports it next
			}
			if err != nil {
				return err
			}
			ch.Send(s)
		}
	})
	c := e.dial()
	c.SendText("a")
	c.ExpectText("a")
	c.SendBytes([]byte("b"))
	if ce := c.ExpectClose(ws.CloseUnsupportedData); ce.Reason != "text messages only" {
		t.Fatalf("reason %q", ce.Reason)
	}
}

func TestChannelExpired(t *testing.T) {
	e, got := channelServer(t, channels.JSON, channels.WithTTL(time.Microsecond))
	e.dial()
	ch := recv(t, got)
	for !ch.Expired() {
		runtime.Gosched() // at most a microsecond
	}
	if err := ch.Send(1); !errors.Is(err, channels.ErrExpired) {
		t.Fatalf("Send: %v", err)
	}
	if _, err := ch.Receive(); !errors.Is(err, channels.ErrExpired) {
		t.Fatalf("Receive: %v", err)
	}
}

func TestChannelAuthRequired(t *testing.T) {
	e, got := channelServer(t, channels.Text, channels.WithAuthRequired())
	c := e.dial()
	ch := recv(t, got)
	if err := ch.Send("secret"); !errors.Is(err, channels.ErrUnauthenticated) {
		t.Fatalf("Send before login: %v", err)
	}
	if _, err := ch.Receive(); !errors.Is(err, channels.ErrUnauthenticated) {
		t.Fatalf("Receive before login: %v", err)
	}
	ch.Conn().Set(channels.UserKey, "ada")
	if err := ch.Send("secret"); err != nil {
		t.Fatal(err)
	}
	c.ExpectText("secret")
}

func TestChannelRateLimit(t *testing.T) {
	tests := []struct {
		name        string
		policy      channels.RatePolicy
		afterAccept bool // the fallback inside Receive
	}{
		{"close/filter", channels.RateClose, false},
		{"close/receive", channels.RateClose, true},
		{"drop/filter", channels.RateDrop, false},
		{"drop/receive", channels.RateDrop, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := serve(t, func(c *ws.Conn) error {
				if tt.afterAccept {
					c.Accept()
				}
				ch := channels.NewChannel(c, channels.JSON,
					channels.WithRateLimit(rate.Every(time.Hour), 2, tt.policy))
				for {
					m, err := ch.Receive()
					if err != nil {
						return err
					}
					c.Send(m)
				}
			})
			c := e.dial()
			for _, s := range []string{`{"n":1}`, `{"n":2}`} {
				c.SendText(s)
				c.ExpectText(s)
			}
			c.SendText(`{"n":3,"ref":9}`)
			if tt.policy == channels.RateClose {
				if ce := c.ExpectClose(ws.CloseRateLimited); ce.Reason != "rate limit exceeded" {
					t.Fatalf("reason %q", ce.Reason)
				}
				return
			}
			var f ws.ErrorFrame
			c.ReadJSON(&f)
			if f.Type != "error" || f.Error != "rate_limited" || f.Ref != float64(9) {
				t.Fatalf("frame %+v", f)
			}
		})
	}
}

func TestRateLimitFilterPerConnection(t *testing.T) {
	// One filter for the whole server: each connection has its own bucket.
	e := serve(t, func(c *ws.Conn) error {
		for {
			m, err := c.Receive()
			if err != nil {
				return err
			}
			c.Send(m)
		}
	}, ws.WithMessageFilter(channels.RateLimit(rate.Every(time.Hour), 1, channels.RateDrop)))
	a, b := e.dial(), e.dial()
	a.SendText("a1")
	a.ExpectText("a1")
	b.SendText("b1")
	b.ExpectText("b1")
	a.SendText("a2")
	var f ws.ErrorFrame
	a.ReadJSON(&f)
	if f.Error != "rate_limited" || f.Ref != nil {
		t.Fatalf("frame %+v", f)
	}
}

func TestNewChannelPanicsOnBadType(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	channels.NewChannel(nil, 0)
}
