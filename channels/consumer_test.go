package channels_test

import (
	"errors"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// op is what the consumer test's clients send.
type op struct {
	Op    string `json:"op" validate:"oneof=join leave send keep ping"`
	Group string `json:"group"`
	Text  string `json:"text"`
}

// consumer answers each op with its result: {"joined"}, {"left"},
// {"sent": n} or "pong"; group messages arrive as {"text": ...}. "keep"
// is "send" with SaveHistory.
func consumer(reg *channels.Registry, connected chan<- *channels.Channel) ws.HandlerFunc {
	return channels.Events[op]{
		Registry: reg,
		OnConnect: func(ch *channels.Channel) error {
			connected <- ch
			return nil
		},
		OnMessage: func(ch *channels.Channel, m op) error {
			switch m.Op {
			case "join":
				if err := ch.JoinGroup(m.Group); err != nil {
					return err
				}
				return ch.Send(map[string]string{"joined": m.Group})
			case "leave":
				if err := ch.LeaveGroup(m.Group); err != nil {
					return err
				}
				return ch.Send(map[string]string{"left": m.Group})
			case "send", "keep":
				var opts []channels.PublishOption
				if m.Op == "keep" {
					opts = append(opts, channels.SaveHistory())
				}
				n, err := ch.SendGroup(m.Group, map[string]string{"text": m.Text}, opts...)
				if err != nil {
					return err
				}
				return ch.Send(map[string]int{"sent": n})
			}
			return ch.Send("pong")
		},
	}.Handler()
}

func TestChannelGroupMethods(t *testing.T) {
	reg := channels.NewRegistry()
	connected := make(chan *channels.Channel, 2)
	e := serve(t, consumer(reg, connected))
	a := e.dial()
	chA := recv(t, connected)
	b := e.dial()
	recv(t, connected)
	a.SendJSON(op{Op: "join", Group: "room"})
	a.ExpectText(`{"joined":"room"}`)
	b.SendJSON(op{Op: "join", Group: "room"})
	b.ExpectText(`{"joined":"room"}`)

	a.SendJSON(op{Op: "send", Group: "room", Text: "hi"}) // reaches the sender too, as Nexios's broadcast
	a.ExpectText(`{"text":"hi"}`)
	a.ExpectText(`{"sent":2}`)
	b.ExpectText(`{"text":"hi"}`)

	b.SendJSON(op{Op: "leave", Group: "room"})
	b.ExpectText(`{"left":"room"}`)
	a.SendJSON(op{Op: "send", Group: "room", Text: "again"})
	a.ExpectText(`{"text":"again"}`)
	a.ExpectText(`{"sent":1}`)
	b.SendJSON(op{Op: "ping"}) // b's next message is the pong: it was not sent "again"
	b.ExpectText(`"pong"`)

	a.SendJSON(op{Op: "send", Group: "nobody", Text: "x"})
	a.ExpectText(`{"sent":0}`)
	if n := len(reg.Groups()); n != 1 {
		t.Fatalf("%d groups, want 1: sending to a name creates no group", n)
	}
	b.SendJSON(op{Op: "leave", Group: "nobody"}) // not a member: no error
	b.ExpectText(`{"left":"nobody"}`)

	a.CloseNormal() // its channel leaves the group by itself
	waitDone(t, chA.Conn())
	b.SendJSON(op{Op: "send", Group: "room", Text: "empty"})
	b.ExpectText(`{"sent":0}`)
}

// SendGroup takes Group.Send's options: a send with SaveHistory (Nexios's
// broadcast with save_history) is in the group's history, one without is
// not.
func TestChannelSendGroupOptions(t *testing.T) {
	reg := channels.NewRegistry()
	connected := make(chan *channels.Channel, 1)
	e := serve(t, consumer(reg, connected))
	a := e.dial()
	recv(t, connected)
	a.SendJSON(op{Op: "join", Group: "room"})
	a.ExpectText(`{"joined":"room"}`)
	a.SendJSON(op{Op: "keep", Group: "room", Text: "kept"})
	a.ExpectText(`{"text":"kept"}`)
	a.ExpectText(`{"sent":1}`)
	a.SendJSON(op{Op: "send", Group: "room", Text: "not kept"})
	a.ExpectText(`{"text":"not kept"}`)
	a.ExpectText(`{"sent":1}`)
	h := reg.History("room")
	if len(h) != 1 || string(h[0].Data) != `{"text":"kept"}` {
		t.Fatalf("History = %+v, want the kept send only", h)
	}
}

func TestChannelGroupMethodsErrors(t *testing.T) {
	errs := make(chan error, 3)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON) // in no registry
		errs <- ch.JoinGroup("g")
		_, err := ch.SendGroup("g", "x")
		errs <- err
		reg := channels.NewRegistry()
		reg.Add(ch)
		c.Close(ws.CloseNormal, "")
		<-c.Context().Done()
		errs <- ch.JoinGroup("g")
		return nil
	})
	e.dial()
	for i, want := range []error{channels.ErrNoRegistry, channels.ErrNoRegistry, ws.ErrClosed} {
		if err := recv(t, errs); !errors.Is(err, want) {
			t.Fatalf("call %d: got %v, want %v", i, err, want)
		}
	}
}

// The registry of a channel's group methods is the first that holds it,
// also after an earlier one let it go.
func TestChannelGroupMethodsFirstRegistry(t *testing.T) {
	regs := []*channels.Registry{channels.NewRegistry(), channels.NewRegistry(), channels.NewRegistry()}
	done := make(chan error, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON)
		for _, r := range regs {
			r.Add(ch)
		}
		regs[0].Remove(ch)
		done <- ch.JoinGroup("g")
		return readLoop(c)
	})
	e.dial()
	if err := recv(t, done); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{0, 1, 0} {
		if n := regs[i].Group("g").Len(); n != want {
			t.Fatalf("registry %d: group of %d, want %d", i, n, want)
		}
	}
}
