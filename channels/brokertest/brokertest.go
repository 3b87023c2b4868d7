// Package brokertest is a conformance suite for channels.Broker
// implementations, in the spirit of slogtest: the in-process broker, the
// Redis and NATS brokers and a user's own all run the same tests.
//
//	func TestConformance(t *testing.T) {
//		brokertest.Run(t, func(t *testing.T) channels.Broker { return newMyBroker(t) }, brokertest.Options{})
//	}
package brokertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// Factory returns a new broker. For a broker that spans instances, each call
// returns another instance connected to the same backend, so that the suite
// can publish on one and receive on another. The factory closes what it
// returns at the end of the test (t.Cleanup).
type Factory func(t *testing.T) channels.Broker

// Options describe what the broker under test can do.
type Options struct {
	// Cluster is true when brokers from the same Factory share messages.
	Cluster bool
	// Kill, when set, breaks b's connection to its backend (without
	// closing b), to check that it reconnects and restores its
	// subscriptions.
	Kill func(t *testing.T, b channels.Broker)
	// Timeout bounds each wait for a delivery (default 5 s).
	Timeout time.Duration
}

// Run runs the conformance tests as subtests of t.
func Run(t *testing.T, newBroker Factory, opts Options) {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	s := &suite{new: newBroker, opts: opts}
	t.Run("FrameTypes", s.frameTypes)
	t.Run("OnceInOrder", s.onceInOrder)
	t.Run("TopicsIsolated", s.topicsIsolated)
	t.Run("SharedSubscription", s.sharedSubscription)
	t.Run("UnsubscribeStops", s.unsubscribeStops)
	t.Run("Addressing", s.addressing)
	t.Run("ManyTopics", s.manyTopics)
	if opts.Cluster {
		t.Run("AcrossInstances", s.acrossInstances)
	}
	if opts.Kill != nil {
		t.Run("Reconnect", s.reconnect)
	}
	t.Run("Close", s.close)
}

type suite struct {
	new  Factory
	opts Options
}

// topic returns a topic name unique to the test.
func topic(t *testing.T, name string) string {
	return fmt.Sprintf("brokertest.%s.%d.%s", t.Name(), time.Now().UnixNano(), name)
}

// Collector is a Subscriber that records what it receives.
type Collector struct {
	ch chan *channels.Message
}

// NewCollector returns a Collector with room for n messages.
func NewCollector(n int) *Collector { return &Collector{ch: make(chan *channels.Message, n)} }

// Deliver records m.
func (c *Collector) Deliver(m *channels.Message) {
	select {
	case c.ch <- m:
	default:
		panic("brokertest: collector full")
	}
}

// Next waits for the next message.
func (c *Collector) Next(t *testing.T, timeout time.Duration) *channels.Message {
	t.Helper()
	select {
	case m := <-c.ch:
		return m
	case <-time.After(timeout):
		t.Fatalf("brokertest: no message within %v", timeout)
		return nil
	}
}

// Empty fails if a message is waiting.
func (c *Collector) Empty(t *testing.T) {
	t.Helper()
	select {
	case m := <-c.ch:
		t.Fatalf("brokertest: unexpected message %q", m.Data)
	default:
	}
}

func publish(t *testing.T, b channels.Broker, topic string, v any) {
	t.Helper()
	if err := channels.Publish(context.Background(), b, topic, v); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func subscribe(t *testing.T, b channels.Broker, topic string, s channels.Subscriber) {
	t.Helper()
	if err := b.Subscribe(context.Background(), topic, s); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	t.Cleanup(func() { b.Unsubscribe(context.Background(), topic, s) })
}

func (s *suite) frameTypes(t *testing.T) {
	b := s.new(t)
	tp := topic(t, "a")
	c := NewCollector(8)
	subscribe(t, b, tp, c)
	publish(t, b, tp, "text")
	publish(t, b, tp, []byte{0, 1, 0xff})
	publish(t, b, tp, map[string]int{"n": 1})
	for _, want := range []struct {
		typ  ws.MessageType
		data string
	}{{ws.TextMessage, "text"}, {ws.BinaryMessage, "\x00\x01\xff"}, {ws.TextMessage, `{"n":1}`}} {
		m := c.Next(t, s.opts.Timeout)
		if m.Type != want.typ || string(m.Data) != want.data || m.Topic != tp {
			t.Fatalf("got %v %q on %q, want %v %q", m.Type, m.Data, m.Topic, want.typ, want.data)
		}
	}
}

func (s *suite) onceInOrder(t *testing.T) {
	const n = 500
	b := s.new(t)
	tp := topic(t, "a")
	subs := []*Collector{NewCollector(n + 1), NewCollector(n + 1)}
	for _, c := range subs {
		subscribe(t, b, tp, c)
	}
	for i := range n {
		publish(t, b, tp, fmt.Sprint(i))
	}
	publish(t, b, tp, "end")
	for _, c := range subs {
		for i := range n {
			if m := c.Next(t, s.opts.Timeout); string(m.Data) != fmt.Sprint(i) {
				t.Fatalf("message %d: got %q", i, m.Data)
			}
		}
		if m := c.Next(t, s.opts.Timeout); string(m.Data) != "end" {
			t.Fatalf("got %q after the last message, want end", m.Data)
		}
		c.Empty(t)
	}
}

func (s *suite) topicsIsolated(t *testing.T) {
	b := s.new(t)
	ta, tb := topic(t, "a"), topic(t, "b")
	ca, cb := NewCollector(4), NewCollector(4)
	subscribe(t, b, ta, ca)
	subscribe(t, b, tb, cb)
	publish(t, b, ta, "for a")
	publish(t, b, tb, "for b")
	if m := ca.Next(t, s.opts.Timeout); string(m.Data) != "for a" {
		t.Fatalf("a got %q", m.Data)
	}
	if m := cb.Next(t, s.opts.Timeout); string(m.Data) != "for b" {
		t.Fatalf("b got %q", m.Data)
	}
	ca.Empty(t)
	cb.Empty(t)
}

func (s *suite) sharedSubscription(t *testing.T) {
	b := s.new(t)
	tp := topic(t, "a")
	c1, c2 := NewCollector(4), NewCollector(4)
	subscribe(t, b, tp, c1)
	subscribe(t, b, tp, c2)
	if err := b.Unsubscribe(context.Background(), tp, c1); err != nil {
		t.Fatal(err)
	}
	publish(t, b, tp, "x")
	if m := c2.Next(t, s.opts.Timeout); string(m.Data) != "x" {
		t.Fatalf("got %q", m.Data)
	}
	c1.Empty(t)
	// Subscribing again after the topic had one subscriber left works.
	subscribe(t, b, tp, c1)
	publish(t, b, tp, "y")
	c1.Next(t, s.opts.Timeout)
	c2.Next(t, s.opts.Timeout)
}

func (s *suite) unsubscribeStops(t *testing.T) {
	b := s.new(t)
	tp := topic(t, "a")
	c, m := NewCollector(4), NewCollector(4)
	subscribe(t, b, tp, c)
	subscribe(t, b, tp, m)
	publish(t, b, tp, "before")
	c.Next(t, s.opts.Timeout)
	m.Next(t, s.opts.Timeout)
	if err := b.Unsubscribe(context.Background(), tp, c); err != nil {
		t.Fatal(err)
	}
	if err := b.Unsubscribe(context.Background(), tp, c); err != nil {
		t.Fatalf("second unsubscribe: %v", err)
	}
	publish(t, b, tp, "after")
	if got := m.Next(t, s.opts.Timeout); string(got.Data) != "after" {
		t.Fatalf("got %q", got.Data)
	}
	c.Empty(t)
}

func (s *suite) addressing(t *testing.T) {
	b := s.new(t)
	tp := topic(t, "a")
	c := NewCollector(4)
	subscribe(t, b, tp, c)
	m, _ := channels.NewMessage(tp, "x")
	m.Exclude, m.To = "conn-1", "conn-2"
	if err := b.Publish(context.Background(), tp, m); err != nil {
		t.Fatal(err)
	}
	got := c.Next(t, s.opts.Timeout)
	if got.Exclude != "conn-1" || got.To != "conn-2" {
		t.Fatalf("addressing lost: exclude %q to %q", got.Exclude, got.To)
	}
}

func (s *suite) manyTopics(t *testing.T) {
	const topics = 100
	b := s.new(t)
	var names []string
	var cs []*Collector
	for i := range topics {
		names = append(names, topic(t, fmt.Sprint(i)))
		cs = append(cs, NewCollector(4))
		subscribe(t, b, names[i], cs[i])
	}
	for i, n := range names {
		publish(t, b, n, fmt.Sprint(i))
	}
	for i, c := range cs {
		if m := c.Next(t, s.opts.Timeout); string(m.Data) != fmt.Sprint(i) {
			t.Fatalf("topic %d got %q", i, m.Data)
		}
		c.Empty(t)
	}
}

func (s *suite) acrossInstances(t *testing.T) {
	const n = 200
	b1, b2 := s.new(t), s.new(t)
	tp := topic(t, "a")
	c1, c2 := NewCollector(2*n+2), NewCollector(2*n+2)
	subscribe(t, b1, tp, c1)
	subscribe(t, b2, tp, c2)
	var wg sync.WaitGroup
	for name, b := range map[string]channels.Broker{"one": b1, "two": b2} {
		wg.Go(func() {
			for i := range n {
				if err := channels.Publish(context.Background(), b, tp, fmt.Sprintf("%s %d", name, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, c := range []*Collector{c1, c2} {
		next := map[string]int{}
		for range 2 * n {
			m := c.Next(t, s.opts.Timeout)
			var name string
			var i int
			fmt.Sscanf(string(m.Data), "%s %d", &name, &i)
			if i != next[name] {
				t.Fatalf("from %s: got %d, want %d", name, i, next[name])
			}
			next[name]++
		}
		c.Empty(t)
	}
}

func (s *suite) reconnect(t *testing.T) {
	b := s.new(t)
	tp := topic(t, "a")
	c := NewCollector(1024)
	subscribe(t, b, tp, c)
	publish(t, b, tp, "before")
	c.Next(t, s.opts.Timeout)
	s.opts.Kill(t, b)
	// Publish until a message gets through the restored subscription.
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatal("brokertest: no delivery within 15 s of the connection being killed")
		}
		channels.Publish(context.Background(), b, tp, fmt.Sprint("after ", i))
		select {
		case m := <-c.ch:
			if !strings.HasPrefix(string(m.Data), "after ") {
				t.Fatalf("got %q", m.Data)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *suite) close(t *testing.T) {
	b := s.new(t)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(context.Background(), b, topic(t, "a"), "x"); err == nil {
		t.Fatal("publish after Close succeeded")
	}
}
