package nexo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
)

// brokerKind is a broker the tests run against: require skips the test
// unless its shared server answers at NEXO_REDIS_URL or NEXO_NATS_URL
// (fails it with NEXO_REQUIRE_SERVICES=1) and returns the URL; open
// connects an instance to it. The in-process kind has neither.
type brokerKind struct {
	name    string
	require func(testing.TB) string
	open    func(t testing.TB, prefix string) channels.Broker
}

var brokerKinds = []brokerKind{
	{"redis", servicetest.RequireRedis, func(t testing.TB, prefix string) channels.Broker {
		b, err := redisbroker.Open(context.Background(), servicetest.RedisURL(), redisbroker.WithPrefix(prefix), redisbroker.WithLogger(discardLogger()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}},
	{"nats", servicetest.RequireNATS, func(t testing.TB, prefix string) channels.Broker {
		b, err := natsbroker.Open(context.Background(), servicetest.NATSURL(), natsbroker.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}},
}

// TestClusterDelivery: two Apps share a Redis or NATS broker; clients on
// both, in 100 topics; every message reaches every subscriber on both
// instances once, in publish order per publisher; presence agrees.
func TestClusterDelivery(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind.name, func(t *testing.T) {
			kind.require(t)
			prefix := fmt.Sprintf("nexotest%d", time.Now().UnixNano())
			apps := []*nexo.App{
				roomApp(nexo.WithBroker(kind.open(t, prefix))),
				roomApp(nexo.WithBroker(kind.open(t, prefix))),
			}
			var servers []*nexotest.Server
			for _, a := range apps {
				servers = append(servers, nexotest.NewServer(t, a))
			}
			const topics, perTopic, msgs = 100, 2, 20
			type member struct {
				c     *nexotest.Conn
				topic int
			}
			var members []member
			for tp := range topics {
				for i := range perTopic {
					// Mixed: each topic has a subscriber on each instance.
					c := servers[(tp+i)%2].Dial(fmt.Sprintf("/rooms/t%d?name=u%d-%d", tp, tp, i))
					c.ReadText() // joined
					members = append(members, member{c, tp})
				}
			}
			// One publisher per topic, on alternating instances.
			var wg sync.WaitGroup
			for tp := range topics {
				pub := members[tp*perTopic]
				wg.Go(func() {
					for i := range msgs {
						pub.c.SendText(fmt.Sprintf("t%d %d", tp, i))
					}
				})
			}
			wg.Wait()
			for _, m := range members {
				for i := range msgs {
					if got, want := m.c.ReadText(), fmt.Sprintf("t%d %d", m.topic, i); got != want {
						t.Fatalf("topic %d: got %q, want %q", m.topic, got, want)
					}
				}
			}
			// Nothing came twice: the next frame of every member is a last
			// message, published once all the others were delivered.
			for tp := range topics {
				members[tp*perTopic].c.SendText(fmt.Sprintf("t%d end", tp))
			}
			for _, m := range members {
				if got, want := m.c.ReadText(), fmt.Sprintf("t%d end", m.topic); got != want {
					t.Fatalf("topic %d: got %q after every message, want %q", m.topic, got, want)
				}
			}
			// Presence agrees on both instances.
			a, b := members[0].c, members[1].c
			a.SendText("who")
			b.SendText("who")
			var wa, wb []channels.PresenceEntry
			a.ReadJSON(&wa)
			b.ReadJSON(&wb)
			if len(wa) != perTopic || len(wb) != perTopic || wa[0].ConnID != wb[0].ConnID || wa[1].ConnID != wb[1].ConnID {
				t.Fatalf("presence differs: %+v vs %+v", wa, wb)
			}
			if !strings.HasPrefix(wa[0].UserID, "u0-") {
				t.Fatalf("presence %+v", wa)
			}
			for _, m := range members {
				m.c.CloseNormal()
			}
		})
	}
}

// TestClusterSendToBroadcast: over a Redis or NATS broker, app.SendTo
// reaches a connection held by the other instance, and only it;
// app.Broadcast reaches every connection of both instances, once.
func TestClusterSendToBroadcast(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind.name, func(t *testing.T) {
			kind.require(t)
			prefix := fmt.Sprintf("nexodm%d:", time.Now().UnixNano())
			app1 := roomApp(nexo.WithBroker(kind.open(t, prefix)))
			app2 := roomApp(nexo.WithBroker(kind.open(t, prefix)))
			one, two := nexotest.NewServer(t, app1), nexotest.NewServer(t, app2)
			a, b, c := one.Dial("/rooms/x"), two.Dial("/rooms/y"), two.Dial("/rooms/z")
			ids := make([]string, 3)
			for i, conn := range []*nexotest.Conn{a, b, c} {
				ids[i] = strings.TrimPrefix(conn.ReadText(), "joined ")
			}
			if err := app1.SendTo(ids[1], map[string]string{"dm": "for b"}); err != nil {
				t.Fatal(err)
			}
			var dm map[string]string
			b.ReadJSON(&dm)
			if dm["dm"] != "for b" {
				t.Fatalf("SendTo across instances: got %v", dm)
			}
			if err := app2.Broadcast([]byte("all")); err != nil {
				t.Fatal(err)
			}
			for i, conn := range []*nexotest.Conn{a, b, c} {
				// c never got the direct message: its first frame is the
				// broadcast.
				if got := conn.ReadBytes(); string(got) != "all" {
					t.Fatalf("connection %d: got %q, want the broadcast", i, got)
				}
			}
			if err := app1.Broadcast("second"); err != nil {
				t.Fatal(err)
			}
			for _, conn := range []*nexotest.Conn{a, b, c} {
				conn.ExpectText("second") // once: nothing else came in between
			}
			for _, conn := range []*nexotest.Conn{a, b, c} {
				conn.CloseNormal()
			}
		})
	}
}
