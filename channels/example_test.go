package channels_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// exampleServer serves h at /ws and returns its ws:// URL and a function
// that shuts everything down.
func exampleServer(h ws.HandlerFunc) (url string, stop func()) {
	srv := ws.NewServer(context.Background())
	mux := http.NewServeMux()
	mux.Handle("/ws", srv.Handler(h))
	ts := httptest.NewServer(mux)
	return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws", func() {
		srv.Shutdown(context.Background(), 0)
		ts.Close()
	}
}

func dial(url string) *websocket.Conn {
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		panic(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}

func read(c *websocket.Conn) string {
	_, b, err := c.ReadMessage()
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func ExampleNewChannel() {
	results := make(chan error, 1)
	url, stop := exampleServer(func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text, channels.WithTTL(time.Hour))
		s, err := ch.ReceiveText()
		if err != nil {
			return err
		}
		ch.Send(strings.ToUpper(s))
		results <- ch.Send(42) // not a string: refused
		_, err = ch.Receive()
		return err
	})
	defer stop()
	c := dial(url)
	defer c.Close()

	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	fmt.Println(read(c))
	fmt.Println(errors.Is(<-results, channels.ErrPayloadType))
	// Output:
	// HELLO
	// true
}

func ExampleGroup() {
	g := channels.NewGroup("lobby")
	joined := make(chan struct{})
	url, stop := exampleServer(func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON) // accepts: join after the handshake, so that no send is missed
		g.Add(ch)
		joined <- struct{}{}
		_, err := ch.Receive()
		return err
	})
	defer stop()
	var clients []*websocket.Conn
	for range 3 {
		c := dial(url)
		defer c.Close()
		clients = append(clients, c)
		<-joined
	}

	// Encoded once, queued on every member; never waits on a slow one.
	n, err := g.Send(map[string]string{"text": "hi all"})
	fmt.Println(n, err)
	for _, c := range clients {
		fmt.Println(read(c))
	}
	// Output:
	// 3 <nil>
	// {"text":"hi all"}
	// {"text":"hi all"}
	// {"text":"hi all"}
}

func ExampleRegistry() {
	reg := channels.NewRegistry(channels.WithSweepInterval(10 * time.Millisecond))
	stopJanitor := reg.Start(context.Background())
	defer stopJanitor()
	url, stop := exampleServer(func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON, channels.WithTTL(50*time.Millisecond))
		reg.Add(ch)
		reg.Group("room:1").Add(ch)
		_, err := ch.Receive()
		return err
	})
	defer stop()
	c := dial(url)
	defer c.Close()

	// The janitor closes the channel when its TTL has passed, and removes
	// it from the registry and its groups.
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		fmt.Println(ce.Code, ce.Text)
	}
	fmt.Println(reg.Len(), reg.Group("room:1").Len())
	// Output:
	// 1001 channel expired
	// 0 0
}

func ExampleOn() {
	type SendMsg struct {
		Room string `json:"room" validate:"required"`
		Text string `json:"text" validate:"required,max=280"`
	}
	r := channels.NewEventRouter()
	channels.On(r, "chat.send", func(c *ws.Conn, m SendMsg) (any, error) {
		if m.Room == "closed" {
			return nil, &channels.UserError{Message: "room is closed"}
		}
		return map[string]string{"id": "m1"}, nil
	})
	url, stop := exampleServer(r.Handler())
	defer stop()
	c := dial(url)
	defer c.Close()

	for _, frame := range []string{
		`{"event":"chat.send","data":{"room":"go","text":"hi"},"ref":1}`,
		`{"event":"chat.send","data":{"room":"go"},"ref":2}`,
		`{"event":"chat.send","data":{"room":"closed","text":"hi"},"ref":3}`,
		`{"event":"chat.edit","ref":4}`,
		`not json`,
	} {
		c.WriteMessage(websocket.TextMessage, []byte(frame))
		fmt.Println(read(c))
	}
	// Output:
	// {"type":"reply","ref":1,"data":{"id":"m1"}}
	// {"type":"error","error":"validation","message":"validation failed","fields":{"text":"required"},"ref":2}
	// {"type":"error","error":"handler","message":"room is closed","ref":3}
	// {"type":"error","error":"unknown_event","message":"unknown event \"chat.edit\"","ref":4}
	// {"type":"error","error":"invalid_json","message":"invalid character 'o' in literal null (expecting 'u')"}
}

func ExampleEmit() {
	url, stop := exampleServer(func(c *ws.Conn) error {
		channels.Emit(c, "welcome", map[string]int{"online": 3})
		_, err := c.Receive()
		return err
	})
	defer stop()
	c := dial(url)
	defer c.Close()
	fmt.Println(read(c))
	// Output:
	// {"event":"welcome","data":{"online":3}}
}

func ExampleEvents() {
	type ChatMsg struct {
		Text string `json:"text" validate:"required"`
	}
	lobby := channels.NewGroup("lobby")
	url, stop := exampleServer(channels.Events[ChatMsg]{
		OnConnect: func(ch *channels.Channel) error {
			lobby.Add(ch)
			return nil
		},
		OnMessage: func(ch *channels.Channel, m ChatMsg) error {
			// Errors name the members that could not take the message;
			// the others have it. They are no reason to close this one.
			lobby.Send(m)
			return nil
		},
	}.Handler())
	defer stop()
	c := dial(url)
	defer c.Close()

	c.WriteMessage(websocket.TextMessage, []byte(`{"text":"hello"}`))
	fmt.Println(read(c))
	c.WriteMessage(websocket.TextMessage, []byte(`{}`))
	fmt.Println(read(c))
	// Output:
	// {"text":"hello"}
	// {"type":"error","error":"validation","message":"validation failed","fields":{"text":"required"}}
}

func ExampleHandle() {
	type Sum struct {
		A int `json:"a" validate:"min=0"`
		B int `json:"b" validate:"min=0"`
	}
	type Total struct {
		N int `json:"n"`
	}
	r := channels.NewEventRouter()
	channels.Handle(r, "sum", func(ctx context.Context, c *ws.Conn, in Sum) (Total, error) {
		return Total{N: in.A + in.B}, nil
	})
	url, stop := exampleServer(r.Handler())
	defer stop()
	c := dial(url)
	defer c.Close()

	c.WriteMessage(websocket.TextMessage, []byte(`{"event":"sum","data":{"a":1,"b":2},"ref":1}`))
	fmt.Println(read(c))
	for _, e := range r.Describe().Events {
		fmt.Println(e.Name, e.Data.Name(), "->", e.Reply.Name())
	}
	// Output:
	// {"type":"reply","ref":1,"data":{"n":3}}
	// sum Sum -> Total
}

func ExampleDeclarePush() {
	type Tick struct {
		N int `json:"n"`
	}
	r := channels.NewEventRouter()
	tick := channels.DeclarePush[Tick](r, "tick")
	channels.Handle(r, "start", func(ctx context.Context, c *ws.Conn, _ struct{}) (bool, error) {
		return true, tick.Emit(c, Tick{N: 1})
	})
	url, stop := exampleServer(r.Handler())
	defer stop()
	c := dial(url)
	defer c.Close()

	c.WriteMessage(websocket.TextMessage, []byte(`{"event":"start","ref":1}`))
	fmt.Println(read(c))
	fmt.Println(read(c))
	fmt.Println(r.Describe().Pushes[0].Name)
	// Output:
	// {"event":"tick","data":{"n":1}}
	// {"type":"reply","ref":1,"data":true}
	// tick
}
