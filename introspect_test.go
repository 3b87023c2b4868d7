package nexo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

func TestIntrospect(t *testing.T) {
	app := nexo.New(quietApp())
	joined := make(chan struct{}, 8)
	app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
		_, err := channels.Join(c, "room:"+c.PathParam("room"), channels.WithPresence(c.Query().Get("user"), nil))
		if err != nil {
			return err
		}
		c.Accept()
		joined <- struct{}{}
		for range c.Texts() {
		}
		return c.Err()
	})
	app.WebSocketRoute("/echo", echo)
	app.Handle("/admin/introspect", app.IntrospectHandler("room:a", "room:b"))
	s := nexotest.NewServer(t, app)

	var conns []*nexotest.Conn
	for _, p := range []string{"/rooms/a?user=ada", "/rooms/a?user=ada", "/rooms/a?user=bob", "/rooms/b?user=cy"} {
		conns = append(conns, s.Dial(p))
		<-joined
	}
	e := s.Dial("/echo")
	e.SendText("x")
	e.ExpectText("x")
	conns = append(conns, e)
	defer func() {
		for _, c := range conns {
			c.CloseNormal()
		}
	}()

	snap := app.Introspect(context.Background(), "room:a", "room:b")
	if snap.Connections != 5 || snap.Pending != 0 || snap.Draining {
		t.Errorf("connections %d pending %d draining %v", snap.Connections, snap.Pending, snap.Draining)
	}
	wantRoutes := []nexo.RouteSnapshot{{"/rooms/{room}", 4}, {"/echo", 1}}
	if len(snap.Routes) != 2 || snap.Routes[0] != wantRoutes[0] || snap.Routes[1] != wantRoutes[1] {
		t.Errorf("routes %+v, want %+v", snap.Routes, wantRoutes)
	}
	if snap.Broker != "*channels.MemoryBroker" {
		t.Errorf("broker %q", snap.Broker)
	}
	subs := map[string]int{}
	for _, tp := range snap.Topics {
		subs[tp.Topic] = tp.Subscribers
	}
	if subs["room:a"] != 3 || subs["room:b"] != 1 {
		t.Errorf("topics %+v", snap.Topics)
	}
	if snap.TopicCount != len(snap.Topics) || snap.Topics[0].Topic != "room:a" {
		t.Errorf("topic count %d, first %+v: want most subscribers first", snap.TopicCount, snap.Topics[0])
	}
	wantPresence := []nexo.PresenceSnapshot{{Topic: "room:a", Members: 3, Users: 2}, {Topic: "room:b", Members: 1, Users: 1}}
	if len(snap.Presence) != 2 || snap.Presence[0] != wantPresence[0] || snap.Presence[1] != wantPresence[1] {
		t.Errorf("presence %+v, want %+v", snap.Presence, wantPresence)
	}

	// The handler serves the same as JSON.
	resp, err := http.Get(s.URL + "/admin/introspect")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	var got nexo.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Connections != 5 || len(got.Presence) != 2 || got.Presence[0].Members != 3 {
		t.Errorf("JSON snapshot %+v", got)
	}
}

// topicsOnly is a broker that lists topics but does not count subscribers
// and keeps no presence, like a third-party broker might.
type topicsOnly struct{ mb *channels.MemoryBroker }

func (b topicsOnly) Subscribe(ctx context.Context, t string, s channels.Subscriber) error {
	return b.mb.Subscribe(ctx, t, s)
}
func (b topicsOnly) Unsubscribe(ctx context.Context, t string, s channels.Subscriber) error {
	return b.mb.Unsubscribe(ctx, t, s)
}
func (b topicsOnly) Publish(ctx context.Context, t string, m *channels.Message) error {
	return b.mb.Publish(ctx, t, m)
}
func (b topicsOnly) Close() error     { return b.mb.Close() }
func (b topicsOnly) Topics() []string { return b.mb.Topics() }

func TestIntrospectWithALesserBroker(t *testing.T) {
	mb := channels.NewMemoryBroker()
	defer mb.Close()
	app := nexo.New(quietApp(), nexo.WithBroker(topicsOnly{mb}))
	defer app.Shutdown(context.Background())
	snap := app.Introspect(context.Background(), "room:a")
	if snap.TopicCount != 4 { // the App's own: broadcast, route broadcast, direct and its instance's direct
		t.Errorf("topic count %d, want 4", snap.TopicCount)
	}
	for _, tp := range snap.Topics {
		if tp.Subscribers != -1 {
			t.Errorf("topic %+v: want -1 subscribers (unknown)", tp)
		}
	}
	if len(snap.Presence) != 1 || snap.Presence[0].Error != channels.ErrNoPresence.Error() {
		t.Errorf("presence %+v, want an ErrNoPresence entry", snap.Presence)
	}
}
