package channels_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// syncBuffer is a bytes.Buffer safe for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type sendReq struct {
	Room string `json:"room" validate:"required"`
	Text string `json:"text" validate:"required,min=1"`
}

// chatRouter is the router of the tests: chat.send echoes, chat.fail
// fails with a UserError, chat.crash with an internal error, chat.ack
// returns nothing.
func chatRouter(log *slog.Logger) *channels.EventRouter {
	r := channels.NewEventRouter()
	r.Logger = log
	channels.On(r, "chat.send", func(c *ws.Conn, m sendReq) (any, error) {
		return map[string]string{"echo": m.Room + ":" + m.Text}, nil
	})
	channels.On(r, "chat.fail", func(c *ws.Conn, m struct{}) (any, error) {
		return nil, &channels.UserError{Message: "room is full", Fields: map[string]string{"room": "full"}}
	})
	channels.On(r, "chat.crash", func(c *ws.Conn, m struct{}) (any, error) {
		return nil, fmt.Errorf("db: password=hunter2 refused")
	})
	channels.On(r, "chat.ack", func(c *ws.Conn, m json.RawMessage) (any, error) { return nil, nil })
	channels.On(r, "chat.push", func(c *ws.Conn, n int) (any, error) {
		return nil, channels.Emit(c, "pushed", n)
	})
	return r
}

// frame is any server frame, decoded loosely.
type frame struct {
	Type    string            `json:"type"`
	Event   string            `json:"event"`
	Error   string            `json:"error"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"`
	Ref     json.RawMessage   `json:"ref"`
	Data    json.RawMessage   `json:"data"`
}

func TestEventRouter(t *testing.T) {
	var logs syncBuffer
	r := chatRouter(slog.New(slog.NewTextHandler(&logs, nil)))
	e := serve(t, r.Handler())
	c := e.dial()
	tests := []struct {
		name string
		send string
		want frame // compared field by field where set; Data and Ref as JSON text
		none bool  // no answer expected
	}{
		{"reply with ref", `{"event":"chat.send","data":{"room":"a","text":"hi"},"ref":1}`,
			frame{Type: "reply", Ref: raw(`1`), Data: raw(`{"echo":"a:hi"}`)}, false},
		{"string ref", `{"event":"chat.send","data":{"room":"a","text":"hi"},"ref":"r-2"}`,
			frame{Type: "reply", Ref: raw(`"r-2"`), Data: raw(`{"echo":"a:hi"}`)}, false},
		{"no ref no reply", `{"event":"chat.send","data":{"room":"a","text":"hi"}}`, frame{}, true},
		{"nil result acked", `{"event":"chat.ack","ref":3}`, frame{Type: "reply", Ref: raw(`3`), Data: raw(`null`)}, false},
		{"unknown event", `{"event":"nope","ref":4}`,
			frame{Type: "error", Error: "unknown_event", Message: `unknown event "nope"`, Ref: raw(`4`)}, false},
		{"unknown event no ref", `{"event":"nope"}`, frame{Type: "error", Error: "unknown_event"}, false},
		{"validation", `{"event":"chat.send","data":{"room":"a"},"ref":5}`,
			frame{Type: "error", Error: "validation", Fields: map[string]string{"text": "required"}, Ref: raw(`5`)}, false},
		{"missing data", `{"event":"chat.send","ref":6}`,
			frame{Type: "error", Error: "validation", Fields: map[string]string{"room": "required", "text": "required"}, Ref: raw(`6`)}, false},
		{"invalid json", `{"event":"chat.send",`, frame{Type: "error", Error: "invalid_json"}, false},
		{"not an object", `[1,2]`, frame{Type: "error", Error: "invalid_json"}, false},
		{"data of the wrong type", `{"event":"chat.send","data":{"room":7},"ref":8}`,
			frame{Type: "error", Error: "invalid_json", Ref: raw(`8`)}, false},
		{"no event", `{"data":1,"ref":9}`, frame{Type: "error", Error: "bad_request", Message: `frame has no "event"`, Ref: raw(`9`)}, false},
		{"user error", `{"event":"chat.fail","ref":10}`,
			frame{Type: "error", Error: "handler", Message: "room is full", Fields: map[string]string{"room": "full"}, Ref: raw(`10`)}, false},
		{"internal error", `{"event":"chat.crash","ref":11}`,
			frame{Type: "error", Error: "handler", Message: "internal error", Ref: raw(`11`)}, false},
		{"push", `{"event":"chat.push","data":5}`, frame{Event: "pushed", Data: raw(`5`)}, false},
		{"null ref", `{"event":"chat.ack","ref":null}`, frame{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.SendText(tt.send)
			if tt.none {
				// The next request's reply comes first: nothing was sent.
				c.SendText(`{"event":"chat.ack","ref":"probe"}`)
				var f frame
				c.ReadJSON(&f)
				if f.Type != "reply" || string(f.Ref) != `"probe"` {
					t.Fatalf("got %+v, want the probe's reply", f)
				}
				return
			}
			var f frame
			c.ReadJSON(&f)
			check := func(what, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("type", f.Type, tt.want.Type)
			check("event", f.Event, tt.want.Event)
			check("error", f.Error, tt.want.Error)
			check("message", f.Message, tt.want.Message)
			check("ref", string(f.Ref), string(tt.want.Ref))
			check("data", string(f.Data), string(tt.want.Data))
			for k, v := range tt.want.Fields {
				check("fields."+k, f.Fields[k], v)
			}
			if tt.want.Ref == nil && f.Ref != nil {
				t.Errorf("ref %s on a frame without one", f.Ref)
			}
		})
	}
	// Still up after all that.
	c.SendText(`{"event":"chat.send","data":{"room":"z","text":"end"},"ref":99}`)
	var f frame
	c.ReadJSON(&f)
	if string(f.Data) != `{"echo":"z:end"}` {
		t.Fatalf("final reply %+v", f)
	}
	if !strings.Contains(logs.String(), "hunter2") {
		t.Error("the internal error was not logged")
	}
	if got := r.Events(); strings.Join(got, ",") != "chat.ack,chat.crash,chat.fail,chat.push,chat.send" {
		t.Errorf("Events() = %v", got)
	}
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestEventRouterHooksAndRateLimit(t *testing.T) {
	connected := make(chan string, 1)
	disconnected := make(chan error, 1)
	r := channels.NewEventRouter()
	r.Options = []ws.Option{ws.WithMessageFilter(channels.RateLimit(rate.Every(time.Hour), 1, channels.RateDrop))}
	r.OnConnect = func(c *ws.Conn) error {
		connected <- c.ID()
		return channels.Emit(c, "welcome", map[string]int{"n": 1})
	}
	r.OnDisconnect = func(c *ws.Conn, err error) { disconnected <- err }
	channels.On(r, "ping", func(c *ws.Conn, _ struct{}) (any, error) { return "pong", nil })
	e := serve(t, r.Handler())
	c := e.dial()
	recv(t, connected)
	c.ExpectText(`{"event":"welcome","data":{"n":1}}`)
	c.SendText(`{"event":"ping","ref":1}`)
	c.ExpectText(`{"type":"reply","ref":1,"data":"pong"}`)
	c.SendText(`{"event":"ping","ref":2}`)
	var f ws.ErrorFrame
	c.ReadJSON(&f)
	if f.Error != "rate_limited" || f.Ref != float64(2) {
		t.Fatalf("frame %+v", f)
	}
	c.CloseNormal()
	if err := recv(t, disconnected); ws.CloseStatus(err) != ws.CloseNormal {
		t.Fatalf("OnDisconnect got %v", err)
	}
}

func TestEventRouterFilterError(t *testing.T) {
	// A filter's own error reaches the client as an error frame and the
	// connection stays open.
	r := channels.NewEventRouter()
	r.Options = []ws.Option{ws.WithMessageFilter(func(c *ws.Conn, m ws.Message) error {
		if bytes.Contains(m.Data, []byte("forbidden")) {
			return errors.New("word not allowed")
		}
		return nil
	})}
	channels.On(r, "say", func(c *ws.Conn, s string) (any, error) { return s, nil })
	e := serve(t, r.Handler())
	c := e.dial()
	c.SendText(`{"event":"say","data":"forbidden","ref":1}`)
	var f ws.ErrorFrame
	c.ReadJSON(&f)
	if f.Error != "bad_request" || f.Message != "word not allowed" {
		t.Fatalf("frame %+v", f)
	}
	c.SendText(`{"event":"say","data":"fine","ref":2}`)
	c.ExpectText(`{"type":"reply","ref":2,"data":"fine"}`)
}

func TestOnPanics(t *testing.T) {
	r := channels.NewEventRouter()
	h := func(c *ws.Conn, _ struct{}) (any, error) { return nil, nil }
	channels.On(r, "a", h)
	for name, f := range map[string]func(){
		"duplicate":   func() { channels.On(r, "a", h) },
		"empty":       func() { channels.On(r, "", h) },
		"nil handler": func() { channels.On[struct{}](r, "b", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestParseEventFrame(t *testing.T) {
	tests := []struct {
		in      string
		event   string
		data    string
		ref     string
		wantErr error
	}{
		{`{"event":"a","data":{"x":1},"ref":1}`, "a", `{"x":1}`, `1`, nil},
		{`{"event":"a","data":null,"ref":null}`, "a", ``, ``, nil},
		{`{"event":"a"}`, "a", ``, ``, nil},
		{`{"data":1,"ref":"q"}`, "", `1`, `"q"`, channels.ErrNoEvent},
		{`{"event":1}`, "", ``, ``, &ws.DecodeError{}},
		{`"a"`, "", ``, ``, &ws.DecodeError{}},
		{``, "", ``, ``, &ws.DecodeError{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := channels.ParseEventFrame([]byte(tt.in))
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatal(err)
				}
			case *ws.DecodeError:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want a DecodeError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			if f.Event != tt.event || string(f.Data) != tt.data || string(f.Ref) != tt.ref {
				t.Fatalf("got %+v", f)
			}
		})
	}
}
