package nexo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// deliveryCounter wraps a broker and counts, per App, the messages its
// subscribers are handed: those addressed to one connection (Message.To
// set: the delivery work of SendTo) and the "fence" broadcasts a test
// waits for.
type deliveryCounter struct {
	channels.Broker

	mu       sync.Mutex
	direct   int
	fences   int
	changed  chan struct{}
	wrappers map[channels.Subscriber]channels.Subscriber
}

func newDeliveryCounter(b channels.Broker) *deliveryCounter {
	return &deliveryCounter{Broker: b, changed: make(chan struct{}, 1), wrappers: map[channels.Subscriber]channels.Subscriber{}}
}

func (d *deliveryCounter) Subscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	f := channels.SubscriberFunc(func(m *channels.Message) {
		d.mu.Lock()
		if m.To != "" {
			d.direct++
		}
		if string(m.Data) == "fence" {
			d.fences++
		}
		d.mu.Unlock()
		select {
		case d.changed <- struct{}{}:
		default:
		}
		s.Deliver(m)
	})
	d.mu.Lock()
	d.wrappers[s] = &f
	d.mu.Unlock()
	return d.Broker.Subscribe(ctx, topic, &f)
}

func (d *deliveryCounter) Unsubscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	d.mu.Lock()
	w, ok := d.wrappers[s]
	delete(d.wrappers, s)
	d.mu.Unlock()
	if !ok {
		return nil
	}
	return d.Broker.Unsubscribe(ctx, topic, w)
}

// counts returns the direct deliveries and fences seen so far.
func (d *deliveryCounter) counts() (direct, fences int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.direct, d.fences
}

// awaitFences waits until n fences have reached this App's subscribers.
func (d *deliveryCounter) awaitFences(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if _, f := d.counts(); f >= n {
			return
		}
		select {
		case <-d.changed:
		case <-deadline:
			t.Fatalf("%d of %d fences arrived", func() int { _, f := d.counts(); return f }(), n)
		}
	}
}

// sharedBrokers are the brokers several Apps of one test share: the
// in-process one, or a connection each to the shared Redis or NATS
// (brokerKinds), under a prefix of the test's own.
func sharedBrokers() []brokerKind {
	kinds := []brokerKind{{name: "memory", open: nil}}
	return append(kinds, brokerKinds...)
}

// opener returns the function that gives each App of a test its broker of
// this kind: the same in-process broker, or a new connection under one
// prefix.
func (k brokerKind) opener(t *testing.T) func() channels.Broker {
	if k.open == nil {
		b := channels.NewMemoryBroker()
		return func() channels.Broker { return b }
	}
	k.require(t)
	prefix := fmt.Sprintf("nexotest%d", time.Now().UnixNano())
	return func() channels.Broker { return k.open(t, prefix) }
}

// directApp answers each connection with its ID and then waits for it to
// end. The query's user, when given, is stored as the connection's user,
// as auth middleware would.
func directApp(opts ...nexo.Option) *nexo.App {
	app := nexo.New(opts...)
	app.UseWS(func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if u := c.Query().Get("user"); u != "" {
				c.Set(channels.UserKey, u)
			}
			return next(c)
		}
	})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		if err := c.SendText(c.ID()); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	})
	return app
}

// cluster is three Apps sharing one broker, each with a delivery counter.
type cluster struct {
	apps     []*nexo.App
	servers  []*nexotest.Server
	counters []*deliveryCounter
}

func newCluster(t *testing.T, open func() channels.Broker, n int, opts ...nexo.Option) *cluster {
	cl := &cluster{}
	for range n {
		d := newDeliveryCounter(open())
		app := directApp(append([]nexo.Option{nexo.WithBroker(d)}, opts...)...)
		cl.apps = append(cl.apps, app)
		cl.counters = append(cl.counters, d)
		cl.servers = append(cl.servers, nexotest.NewServer(t, app))
	}
	return cl
}

// TestSendToReachesHolderOnly: three Apps share a broker; SendTo from
// each App to a connection held by the first reaches it, and the other
// Apps' subscribers are handed nothing addressed to it.
func TestSendToReachesHolderOnly(t *testing.T) {
	for _, kind := range sharedBrokers() {
		t.Run(kind.name, func(t *testing.T) {
			cl := newCluster(t, kind.opener(t), 3)
			holder := cl.servers[0].Dial("/ws")
			id := holder.ReadText()
			for i, app := range cl.apps {
				if err := app.SendTo(id, fmt.Sprintf("from %d", i)); err != nil {
					t.Fatal(err)
				}
				holder.ExpectText(fmt.Sprintf("from %d", i))
			}
			// A broadcast from each sender after its sends: once every App
			// has seen them all, the sends were handed out too.
			for _, app := range cl.apps[1:] {
				if err := app.Broadcast("fence"); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range cl.counters {
				d.awaitFences(t, 2)
			}
			for i, d := range cl.counters {
				want := 0
				if i == 0 {
					want = 2 // the sends from the two other Apps
				}
				if got, _ := d.counts(); got != want {
					t.Errorf("app %d: subscribers handed %d messages addressed to the connection, want %d", i, got, want)
				}
			}
			holder.ExpectText("fence")
			holder.ExpectText("fence")
			holder.CloseNormal()
		})
	}
}

// TestDisconnectAcrossInstances: three Apps share a broker; Disconnect
// closes one connection held by another App with the given code and
// reason, and DisconnectUser closes every connection of the user on every
// App, leaving the others open.
func TestDisconnectAcrossInstances(t *testing.T) {
	for _, kind := range sharedBrokers() {
		t.Run(kind.name, func(t *testing.T) {
			cl := newCluster(t, kind.opener(t), 3)
			ctx := context.Background()
			dial := func(app int, user string) (*nexotest.Conn, string) {
				c := cl.servers[app].Dial("/ws?user=" + user)
				return c, c.ReadText()
			}
			kicked, kickedID := dial(0, "eve")
			var adas []*nexotest.Conn
			for i := range cl.apps {
				c, _ := dial(i, "ada")
				adas = append(adas, c)
			}
			bob, bobID := dial(2, "bob")

			if err := cl.apps[1].Disconnect(ctx, kickedID, 4001, "kicked"); err != nil {
				t.Fatal(err)
			}
			if ce := kicked.ExpectClose(4001); ce.Reason != "kicked" {
				t.Errorf("reason %q, want kicked", ce.Reason)
			}
			if err := cl.apps[0].DisconnectUser(ctx, "ada", 4401, "logged out"); err != nil {
				t.Fatal(err)
			}
			for i, c := range adas {
				if ce := c.ExpectClose(4401); ce.Reason != "logged out" {
					t.Errorf("ada on app %d: reason %q, want logged out", i, ce.Reason)
				}
			}
			// Bob is still there, and an unknown user or connection is no
			// error.
			if err := cl.apps[1].DisconnectUser(ctx, "nobody", 4401, "logged out"); err != nil {
				t.Fatal(err)
			}
			if err := cl.apps[1].Disconnect(ctx, kickedID, 4001, "again"); err != nil {
				t.Fatal(err)
			}
			if err := cl.apps[0].SendTo(bobID, "still here"); err != nil {
				t.Fatal(err)
			}
			bob.ExpectText("still here")
			if err := cl.apps[0].DisconnectUser(ctx, "", 4401, "x"); !errors.Is(err, nexo.ErrNoUserID) {
				t.Errorf("DisconnectUser with no user: %v, want ErrNoUserID", err)
			}
			bob.CloseNormal()
		})
	}
}

// account is a user type of an application's own, stored by its auth
// middleware.
type account struct{ name string }

// TestDisconnectUserWithUserID: WithUserID tells the user of a connection
// whose stored user is not a string.
func TestDisconnectUserWithUserID(t *testing.T) {
	app := nexo.New(nexo.WithUserID(func(c *ws.Conn) string {
		a, _ := c.Get(channels.UserKey)
		if a, ok := a.(account); ok {
			return a.name
		}
		return ""
	}))
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		c.Set(channels.UserKey, account{c.Query().Get("user")})
		if err := c.SendText("in"); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	})
	srv := nexotest.NewServer(t, app)
	ada := srv.Dial("/ws?user=ada")
	ada.ExpectText("in")
	bob := srv.Dial("/ws?user=bob")
	bob.ExpectText("in")
	if err := app.DisconnectUser(context.Background(), "ada", 4401, "logged out"); err != nil {
		t.Fatal(err)
	}
	ada.ExpectClose(4401)
	if err := app.Broadcast("still here"); err != nil {
		t.Fatal(err)
	}
	bob.ExpectText("still here")
	bob.CloseNormal()
}

// unreachable is a broker whose publishes fail, as during an outage.
type unreachable struct{ channels.Broker }

var errBrokerAway = errors.New("broker away")

func (unreachable) Publish(context.Context, string, *channels.Message) error { return errBrokerAway }

// TestDisconnectUserDuringOutage: when the command cannot reach the other
// instances, this instance's connections of the user are closed all the
// same and the error is returned.
func TestDisconnectUserDuringOutage(t *testing.T) {
	app := directApp(nexo.WithBroker(unreachable{channels.NewMemoryBroker()}))
	srv := nexotest.NewServer(t, app)
	ada := srv.Dial("/ws?user=ada")
	ada.ReadText()
	if err := app.DisconnectUser(context.Background(), "ada", 4401, "logged out"); !errors.Is(err, errBrokerAway) {
		t.Errorf("DisconnectUser: %v, want the broker's error", err)
	}
	ada.ExpectClose(4401)
}
