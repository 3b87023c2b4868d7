package channels_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

type addReq struct {
	A int `json:"a" validate:"min=0"`
	B int `json:"b"`
}

type addReply struct {
	Total int `json:"total"`
}

// A typed handler's result is the reply's data; its errors and bad input
// are answered with the same frames as On's.
func TestHandleTypedReply(t *testing.T) {
	r := channels.NewEventRouter()
	r.Logger = discardLogger()
	channels.Handle(r, "sum", func(ctx context.Context, c *ws.Conn, in addReq) (addReply, error) {
		if in.B < 0 {
			return addReply{}, &channels.UserError{Message: "b is negative"}
		}
		if in.B == 99 {
			return addReply{}, errors.New("secret")
		}
		return addReply{Total: in.A + in.B}, nil
	})
	e := serve(t, r.Handler())
	c := e.dial()
	for _, tt := range []struct{ send, want string }{
		{`{"event":"sum","data":{"a":1,"b":2},"ref":1}`, `{"type":"reply","ref":1,"data":{"total":3}}`},
		{`{"event":"sum","ref":2}`, `{"type":"reply","ref":2,"data":{"total":0}}`},
		{`{"event":"sum","data":{"a":-1},"ref":3}`, `{"type":"error","error":"validation","message":"validation failed","fields":{"a":"min=0"},"ref":3}`},
		{`{"event":"sum","data":{"b":-1},"ref":4}`, `{"type":"error","error":"handler","message":"b is negative","ref":4}`},
		{`{"event":"sum","data":{"b":99},"ref":5}`, `{"type":"error","error":"handler","message":"internal error","ref":5}`},
		{`{"event":"sum","data":{"a":"x"},"ref":6}`, `{"type":"error","error":"invalid_json","message":"field a: expected integer, got string","fields":{"a":"integer"},"ref":6}`},
	} {
		c.SendText(tt.send)
		if got := c.ReadText(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.send, got, tt.want)
		}
	}
}

// The context of a typed handler is cancelled when the connection ends
// (here closed by the server from another goroutine, as app.Disconnect
// does), so that work started for a client that is gone stops; the
// handler's error is not answered nor logged.
func TestHandleContextCancelledOnClose(t *testing.T) {
	var logs syncBuffer
	r := channels.NewEventRouter()
	r.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	started := make(chan *ws.Conn, 1)
	stopped := make(chan error, 1)
	channels.Handle(r, "wait", func(ctx context.Context, c *ws.Conn, _ struct{}) (struct{}, error) {
		started <- c
		<-ctx.Done()
		stopped <- ctx.Err()
		return struct{}{}, ctx.Err()
	})
	e := serve(t, r.Handler())
	c := e.dial()
	c.SendText(`{"event":"wait","ref":1}`)
	sc := recv(t, started)
	sc.Close(ws.CloseGoingAway, "bye")
	if err := recv(t, stopped); !errors.Is(err, context.Canceled) {
		t.Fatalf("ctx.Err() = %v, want context.Canceled", err)
	}
	c.ExpectClose(ws.CloseGoingAway)
	waitDone(t, sc)
	if s := logs.String(); s != "" {
		t.Fatalf("logged %q", s)
	}
}

// A declared push's sender emits the push frame with its typed data.
func TestDeclarePushEmits(t *testing.T) {
	r := channels.NewEventRouter()
	tick := channels.DeclarePush[addReply](r, "tick")
	channels.Handle(r, "go", func(ctx context.Context, c *ws.Conn, _ struct{}) (*addReply, error) {
		return nil, tick.Emit(c, addReply{Total: 7})
	})
	e := serve(t, r.Handler())
	c := e.dial()
	c.SendText(`{"event":"go","ref":1}`)
	if got, want := c.ReadText(), `{"event":"tick","data":{"total":7}}`; got != want {
		t.Fatalf("push = %s, want %s", got, want)
	}
	if got, want := c.ReadText(), `{"type":"reply","ref":1,"data":null}`; got != want {
		t.Fatalf("reply = %s, want %s", got, want)
	}
	if tick.Event() != "tick" {
		t.Fatalf("Event() = %q", tick.Event())
	}
}

// Describe tells, per event, the request and reply types (any for On),
// and the declared pushes, sorted by name.
func TestEventRouterDescribe(t *testing.T) {
	r := channels.NewEventRouter()
	channels.Handle(r, "sum", func(ctx context.Context, c *ws.Conn, in addReq) (addReply, error) { return addReply{}, nil })
	channels.On(r, "echo", func(c *ws.Conn, m json.RawMessage) (any, error) { return m, nil })
	channels.DeclarePush[string](r, "notice")
	got := r.Describe()
	want := contract.Description{
		Events: []contract.Event{
			{Name: "echo", Data: reflect.TypeFor[json.RawMessage](), Reply: reflect.TypeFor[any]()},
			{Name: "sum", Data: reflect.TypeFor[addReq](), Reply: reflect.TypeFor[addReply]()},
		},
		Pushes: []contract.Push{{Name: "notice", Data: reflect.TypeFor[string]()}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Describe() = %+v\nwant %+v", got, want)
	}
}

// Registering the same name twice, by Handle or On, or declaring a push
// twice, panics.
func TestHandleDuplicatePanics(t *testing.T) {
	r := channels.NewEventRouter()
	channels.On(r, "a", func(c *ws.Conn, _ struct{}) (any, error) { return nil, nil })
	channels.DeclarePush[int](r, "p")
	for name, f := range map[string]func(){
		"handle after on": func() {
			channels.Handle(r, "a", func(context.Context, *ws.Conn, struct{}) (int, error) { return 0, nil })
		},
		"nil handler": func() { channels.Handle[struct{}, int](r, "b", nil) },
		"empty name": func() {
			channels.Handle(r, "", func(context.Context, *ws.Conn, struct{}) (int, error) { return 0, nil })
		},
		"push twice": func() { channels.DeclarePush[int](r, "p") },
		"empty push": func() { channels.DeclarePush[int](r, "") },
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

// An EventRouter is a ws.Handler itself.
func TestEventRouterServeWS(t *testing.T) {
	r := channels.NewEventRouter()
	channels.Handle(r, "ping", func(context.Context, *ws.Conn, struct{}) (string, error) { return "pong", nil })
	e := serve(t, r.ServeWS)
	c := e.dial()
	c.SendText(`{"event":"ping","ref":"x"}`)
	if got, want := c.ReadText(), `{"type":"reply","ref":"x","data":"pong"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
