package nexo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// roomApp joins every connection to its room and publishes what it says;
// "who" answers the room's presence. /presence/{room} forwards the room's
// join and leave events.
func roomApp(opts ...nexo.Option) *nexo.App {
	app := nexo.New(opts...)
	app.WebSocketRoute("/presence/{room}", func(c *ws.Conn) error {
		if _, err := channels.Join(c, channels.PresenceTopic("room:"+c.PathParam("room"))); err != nil {
			return err
		}
		if err := c.SendText("watching"); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	})
	app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
		sub, err := channels.Join(c, "room:"+c.PathParam("room"), channels.WithPresence(c.Query().Get("name"), nil))
		if err != nil {
			return err
		}
		if err := c.SendText("joined " + c.ID()); err != nil {
			return err
		}
		for msg := range c.Texts() {
			var opts []channels.PublishOption
			if c.Query().Get("quiet") != "" {
				opts = append(opts, channels.ExcludeSender())
			}
			if msg == "who" {
				entries, err := sub.Presence()
				if err != nil {
					return err
				}
				c.SendJSON(entries)
				continue
			}
			if err := sub.Publish(msg, opts...); err != nil {
				return err
			}
		}
		return c.Err()
	})
	return app
}

func TestJoinPublishAcrossInstances(t *testing.T) {
	shared := channels.NewMemoryBroker()
	one := nexotest.NewServer(t, roomApp(nexo.WithBroker(shared)))
	two := nexotest.NewServer(t, roomApp(nexo.WithBroker(shared)))

	a := one.Dial("/rooms/lobby?name=ada")
	a.ReadText()
	b := two.Dial("/rooms/lobby?name=bob")
	b.ReadText()
	other := one.Dial("/rooms/general?name=eve")
	other.ReadText()

	a.SendText("hello")
	a.ExpectText("hello") // the sender too
	b.ExpectText("hello")
	quiet := two.Dial("/rooms/lobby?name=quiet&quiet=1")
	quiet.ReadText()
	quiet.SendText("psst")
	a.ExpectText("psst")
	b.ExpectText("psst")

	b.SendText("who")
	var who []channels.PresenceEntry
	b.ReadJSON(&who)
	if len(who) != 3 || who[0].UserID != "ada" || who[1].UserID != "bob" {
		t.Fatalf("presence %+v", who)
	}
	other.SendText("elsewhere")
	other.ExpectText("elsewhere")
	quiet.CloseNormal()
	b.SendText("again")
	a.ExpectText("again") // nothing from general came first
	b.ExpectText("again")
	for _, c := range []*nexotest.Conn{a, b, other} {
		c.CloseNormal()
	}
	// Shutdown returns once every connection is torn down, subscriptions
	// included, and the apps' own topics go with them.
	one.Shutdown()
	two.Shutdown()
	if n := shared.ChannelCount(); n != 0 {
		t.Fatalf("%d topics left: %v", n, shared.Topics())
	}
}

func TestSendToAndBroadcast(t *testing.T) {
	shared := channels.NewMemoryBroker()
	app1 := roomApp(nexo.WithBroker(shared))
	app2 := roomApp(nexo.WithBroker(shared))
	one, two := nexotest.NewServer(t, app1), nexotest.NewServer(t, app2)
	a := one.Dial("/rooms/x")
	b := two.Dial("/rooms/y")
	var idA, idB string
	for _, p := range []struct {
		c  *nexotest.Conn
		id *string
	}{{a, &idA}, {b, &idB}} {
		var s string = p.c.ReadText()
		*p.id = s[len("joined "):]
	}
	// From instance one to a connection on instance two, and locally.
	if err := app1.SendTo(idB, map[string]string{"dm": "for b"}); err != nil {
		t.Fatal(err)
	}
	var dm map[string]string
	b.ReadJSON(&dm)
	if dm["dm"] != "for b" {
		t.Fatalf("got %v", dm)
	}
	if err := app1.SendTo(idA, "local"); err != nil {
		t.Fatal(err)
	}
	a.ExpectText("local")

	if err := app2.Broadcast([]byte("all")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*nexotest.Conn{a, b} {
		if got := c.ReadBytes(); string(got) != "all" {
			t.Fatalf("got %q", got)
		}
	}
	a.CloseNormal()
	b.CloseNormal()
}

func TestPresenceEventsReachClients(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/watch", func(c *ws.Conn) error {
		if _, err := channels.Join(c, channels.PresenceTopic("room:1")); err != nil {
			return err
		}
		c.SendText("watching")
		<-c.Context().Done()
		return nil
	})
	app.WebSocketRoute("/join", func(c *ws.Conn) error {
		if _, err := channels.Join(c, "room:1", channels.WithPresence("ada", map[string]any{"color": "red"})); err != nil {
			return err
		}
		c.SendText("in")
		_, err := c.Receive()
		return err
	})
	s := nexotest.NewServer(t, app)
	w := s.Dial("/watch")
	w.ExpectText("watching")
	j := s.Dial("/join")
	j.ExpectText("in")
	var ev channels.PresenceEvent
	w.ReadJSON(&ev)
	if ev.Event != "join" || ev.Entry.UserID != "ada" || ev.Entry.Meta["color"] != "red" {
		t.Fatalf("event %+v", ev)
	}
	j.CloseNormal()
	w.ReadJSON(&ev)
	if ev.Event != "leave" || ev.Entry.UserID != "ada" {
		t.Fatalf("event %+v", ev)
	}
	raw, _ := json.Marshal(ev)
	if len(raw) == 0 {
		t.Fatal("empty event")
	}
	w.CloseNormal()
}

// TestSubscriptionLeave: Leave is idempotent, returns the first call's
// result, and stops delivery at once; the broker's topic goes with its
// last subscriber, and the connection lives on.
func TestSubscriptionLeave(t *testing.T) {
	b := channels.NewMemoryBroker()
	app := nexo.New(nexo.WithBroker(b))
	app.WebSocketRoute("/leave", func(c *ws.Conn) error {
		sub, err := channels.Join(c, "room:leave")
		if err != nil {
			return err
		}
		c.SendText("in")
		for msg := range c.Texts() {
			if msg != "leave" {
				continue
			}
			first, second := sub.Leave(), sub.Leave()
			if first != nil || second != nil {
				c.SendText(fmt.Sprintf("leave: %v, %v", first, second))
				continue
			}
			if _, err := channels.Join(c, "room:after"); err != nil {
				return err
			}
			c.SendText("left")
		}
		return c.Err()
	})
	s := nexotest.NewServer(t, app)
	c := s.Dial("/leave")
	c.ExpectText("in")
	ctx := context.Background()
	if err := app.Publish(ctx, "room:leave", "before"); err != nil {
		t.Fatal(err)
	}
	c.ExpectText("before")
	c.SendText("leave")
	c.ExpectText("left")
	if n := b.Subscribers("room:leave"); n != 0 {
		t.Fatalf("%d subscribers left on the topic after Leave", n)
	}
	// The in-process broker delivers in publish order: "gone" would come
	// before "after".
	app.Publish(ctx, "room:leave", "gone")
	app.Publish(ctx, "room:after", "after")
	c.ExpectText("after")
	c.CloseNormal()
}

// TestMemoryBrokerBroadcast: the in-process broker's Broadcast reaches
// every subscriber of every topic, once per topic; ChannelCount counts the
// topics with a subscriber.
func TestMemoryBrokerBroadcast(t *testing.T) {
	b := channels.NewMemoryBroker()
	defer b.Close()
	ctx := context.Background()
	got := map[string][]string{}
	var mu sync.Mutex
	subs := map[string]*channels.SubscriberFunc{}
	for _, name := range []string{"a", "b", "c"} {
		f := channels.SubscriberFunc(func(m *channels.Message) {
			mu.Lock()
			got[name] = append(got[name], string(m.Data))
			mu.Unlock()
		})
		subs[name] = &f
	}
	b.Subscribe(ctx, "t1", subs["a"])
	b.Subscribe(ctx, "t1", subs["b"])
	b.Subscribe(ctx, "t2", subs["c"])
	b.Subscribe(ctx, "t2", subs["a"])
	if n := b.ChannelCount(); n != 2 {
		t.Fatalf("ChannelCount %d, want 2", n)
	}
	if err := b.Broadcast("hello"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]int{"a": 2, "b": 1, "c": 1} // a is in two topics
	for name, n := range want {
		if len(got[name]) != n || got[name][0] != "hello" {
			t.Fatalf("%s got %q, want hello %d times", name, got[name], n)
		}
	}
	b.Unsubscribe(ctx, "t2", subs["c"])
	b.Unsubscribe(ctx, "t2", subs["a"])
	if n := b.ChannelCount(); n != 1 {
		t.Fatalf("ChannelCount %d after t2 emptied, want 1", n)
	}
}
