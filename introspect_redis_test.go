package nexo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestIntrospectAcrossRedis runs two Apps on the shared Redis under a
// prefix of the test's own: each lists only its own connections and
// topics, and both see the presence of every instance.
func TestIntrospectAcrossRedis(t *testing.T) {
	url := servicetest.RequireRedis(t)
	prefix := fmt.Sprintf("nexotest%d:", time.Now().UnixNano())

	newInstance := func() (*nexo.App, *nexotest.Server, chan struct{}) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b, err := redisbroker.Open(ctx, url, redisbroker.WithPrefix(prefix), redisbroker.WithLogger(discardLogger()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() }) // deletes this instance's presence entries
		app := nexo.New(quietApp(), nexo.WithBroker(b))
		joined := make(chan struct{}, 8)
		app.WebSocketRoute("/rooms/{room}", func(c *ws.Conn) error {
			if err := c.Accept(); err != nil {
				return err
			}
			_, err := channels.Join(c, "room:"+c.PathParam("room"), channels.WithPresence(c.Query().Get("user"), nil))
			if err != nil {
				return err
			}
			joined <- struct{}{}
			for range c.Texts() {
			}
			return c.Err()
		})
		return app, nexotest.NewServer(t, app), joined
	}
	app1, s1, joined1 := newInstance()
	app2, s2, joined2 := newInstance()
	for _, d := range []struct {
		s      *nexotest.Server
		joined chan struct{}
		path   string
	}{
		{s1, joined1, "/rooms/a?user=ada"},
		{s1, joined1, "/rooms/a?user=bob"},
		{s2, joined2, "/rooms/a?user=ada"},
	} {
		c := d.s.Dial(d.path)
		defer c.CloseNormal()
		<-d.joined
	}

	for _, tc := range []struct {
		app   *nexo.App
		conns int
	}{{app1, 2}, {app2, 1}} {
		snap := tc.app.Introspect(context.Background(), "room:a")
		if snap.Connections != tc.conns {
			t.Errorf("connections %d, want %d (this instance only)", snap.Connections, tc.conns)
		}
		if snap.Broker != "*redisbroker.Broker" {
			t.Errorf("broker %q", snap.Broker)
		}
		found := false
		for _, tp := range snap.Topics {
			if tp.Topic == "room:a" {
				found = true
				if tp.Subscribers != tc.conns {
					t.Errorf("room:a has %d subscribers, want %d (this instance's)", tp.Subscribers, tc.conns)
				}
			}
		}
		if !found {
			t.Errorf("topics %+v lack room:a", snap.Topics)
		}
		want := nexo.PresenceSnapshot{Topic: "room:a", Members: 3, Users: 2}
		if len(snap.Presence) != 1 || snap.Presence[0] != want {
			t.Errorf("presence %+v, want %+v (every instance)", snap.Presence, want)
		}
	}
}
