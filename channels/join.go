package channels

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nexogo/nexo/ws"
)

// brokerKey is the ws.Conn value under which the App stores its broker.
const brokerKey = "nexo.broker"

// Attach returns WS middleware that makes b the broker of every connection
// it runs for (BrokerFor). A nexo App installs it first in every chain.
func Attach(b Broker) ws.Middleware {
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			c.Set(brokerKey, b)
			return next(c)
		}
	}
}

// BrokerFor returns the broker of the App that serves c, or nil.
func BrokerFor(c *ws.Conn) Broker {
	v, _ := c.Get(brokerKey)
	b, _ := v.(Broker)
	return b
}

// JoinOption changes how Join subscribes.
type JoinOption func(*joinConfig)

type joinConfig struct {
	broker   Broker
	presence *PresenceEntry
	recover  bool      // WithRecovery
	last     int       // RecoverLast
	since    *Position // RecoverSince
}

// WithBroker uses b instead of the connection's App broker.
func WithBroker(b Broker) JoinOption { return func(c *joinConfig) { c.broker = b } }

// WithPresence records the connection in the topic's presence, as userID
// with meta, for as long as the subscription lasts, and announces its join
// and leave (PresenceTopic). The broker must be a PresenceBroker.
func WithPresence(userID string, meta map[string]any) JoinOption {
	return func(c *joinConfig) { c.presence = &PresenceEntry{UserID: userID, Meta: meta} }
}

// Subscription is a connection's membership of a topic, made by Join. It
// lasts until Leave or until the connection ends.
//
// A Subscription is safe for concurrent use.
type Subscription struct {
	c        *ws.Conn
	topic    string
	broker   Broker
	presence Presence
	entry    PresenceEntry
	once     sync.Once
	mu       sync.Mutex
	stop     func() bool
	err      error
	rec      *recovery // set for WithRecovery; guarded by mu
}

var _ Subscriber = (*Subscription)(nil)

// Join subscribes c to topic (Pyxle's channel(ws, name)): every message
// published on topic, on any instance, is sent to c, bytes as binary
// frames, strings as text, anything else as JSON. The subscription ends
// with Leave or when the connection ends.
//
// Join performs the handshake when the handler has not (c.Accept with no
// options), once the subscription is made: a push endpoint that joins and
// then waits on c.Context() is connected at once, and its client, once
// connected, receives whatever is published from then on. Call it from
// the handler, and Accept before it to pass options.
func Join(c *ws.Conn, topic string, opts ...JoinOption) (*Subscription, error) {
	return joinShallow(c, topic, opts)
}

// joinShallow runs join on a goroutine of its own, which ends at once.
// Join is usually called by a handler that is about to wait for its next
// message, and an idle connection keeps whatever stack its handler's
// goroutine grew to before that first wait (Go never shrinks it back
// while the goroutine waits in Receive): a broker's Subscribe is deep (the
// in-process broker's map insert, which rehashes now and then; a network
// round trip for the others), and so is an allocation that refills the
// allocator's cache, which happens to a few of join's. On the handler's
// goroutine they would double its stack. A panic in join (a broker's, a
// presence's) is raised again on the caller's goroutine, where the
// handler's recovery turns it into a 1011 close as before.
//
//go:noinline
func joinShallow(c *ws.Conn, topic string, opts []JoinOption) (*Subscription, error) {
	done := make(chan joinResult, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- joinResult{panicked: true, v: v}
			}
		}()
		s, err := join(c, topic, opts)
		done <- joinResult{s: s, err: err}
	}()
	r := <-done
	if r.panicked {
		panic(r.v)
	}
	return r.s, r.err
}

// joinResult is the outcome of joinShallow's join.
type joinResult struct {
	s        *Subscription
	err      error
	panicked bool
	v        any
}

// join is Join, on joinShallow's goroutine.
func join(c *ws.Conn, topic string, opts []JoinOption) (*Subscription, error) {
	var cfg joinConfig
	for _, o := range opts {
		o(&cfg)
	}
	b := cfg.broker
	if b == nil {
		b = BrokerFor(c)
	}
	if b == nil {
		return nil, ErrNoBroker
	}
	if err := checkTopic(topic); err != nil {
		return nil, err
	}
	if err := c.Context().Err(); err != nil {
		return nil, ws.ErrClosed
	}
	s := &Subscription{c: c, topic: topic, broker: b}
	var hb HistoryBroker
	if cfg.recover {
		var ok bool
		if hb, ok = b.(HistoryBroker); !ok || !hb.HasHistory(topic) {
			return nil, fmt.Errorf("%w: %q", ErrNoHistory, topic)
		}
		s.rec = &recovery{}
	}
	if err := b.Subscribe(c.Context(), topic, s); err != nil {
		return nil, err
	}
	if err := acceptOnce(c); err != nil {
		b.Unsubscribe(context.WithoutCancel(c.Context()), topic, s)
		return nil, err
	}
	if hb != nil {
		if err := s.recover(c.Context(), hb, &cfg); err != nil {
			b.Unsubscribe(context.WithoutCancel(c.Context()), topic, s)
			return nil, err
		}
	}
	if cfg.presence != nil {
		if err := s.joinPresence(*cfg.presence); err != nil {
			b.Unsubscribe(context.WithoutCancel(c.Context()), topic, s)
			return nil, err
		}
	}
	s.mu.Lock()
	s.stop = c.AfterClose(func() { s.Leave() })
	s.mu.Unlock()
	return s, nil
}

// acceptOnce performs c's handshake unless it has happened.
func acceptOnce(c *ws.Conn) error {
	if c.Accepted() {
		return nil
	}
	if err := c.Accept(); err != nil && !errors.Is(err, ws.ErrAlreadyAccepted) {
		return err
	}
	return nil
}

// Topic returns the subscribed topic.
func (s *Subscription) Topic() string { return s.topic }

// Conn returns the subscribed connection.
func (s *Subscription) Conn() *ws.Conn { return s.c }

// Deliver queues m on the connection, unless m excludes it. A full send
// queue applies the connection's slow-consumer policy; other subscribers
// are never held up.
func (s *Subscription) Deliver(m *Message) {
	if s.rec != nil {
		s.mu.Lock()
		s.deliverRecovering(m)
		s.mu.Unlock()
		return
	}
	if m.forConn(s.c.ID()) {
		s.c.SendPrepared(m.Prepared())
	}
}

// PublishOption changes how a message is published.
type PublishOption func(*publishConfig)

type publishConfig struct {
	excludeSender bool
	compress      bool          // compress.go
	history       historyChoice // SaveHistory, NoHistory
}

// ExcludeSender keeps the message from the publishing connection.
func ExcludeSender() PublishOption { return func(c *publishConfig) { c.excludeSender = true } }

// Publish sends v to every subscriber of the topic on every instance,
// including this connection unless ExcludeSender is given.
func (s *Subscription) Publish(v any, opts ...PublishOption) error {
	m, err := NewMessage(s.topic, v)
	if err != nil {
		return err
	}
	cfg := publishOptions(opts)
	if err := cfg.history.check(s.broker, s.topic); err != nil {
		return err
	}
	if cfg.excludeSender {
		m.Exclude = s.c.ID()
	}
	cfg.applyCompress(m)
	return s.broker.Publish(s.c.Context(), s.topic, m)
}

// Leave ends the subscription. It is idempotent and returns the error of
// the first call.
func (s *Subscription) Leave() error {
	s.once.Do(func() {
		s.mu.Lock()
		stop := s.stop
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
		ctx := context.WithoutCancel(s.c.Context())
		s.err = s.broker.Unsubscribe(ctx, s.topic, s)
		if s.presence != nil {
			s.err = errors.Join(s.err,
				s.presence.Leave(ctx, s.topic, s.c.ID()),
				announce(ctx, s.broker, "leave", s.topic, s.entry))
		}
	})
	return s.err
}

// ErrNoPresence is returned by Join with WithPresence, and by
// Subscription.Presence, when the broker keeps no presence.
var ErrNoPresence = errors.New("channels: broker keeps no presence")

func (s *Subscription) joinPresence(e PresenceEntry) error {
	pb, ok := s.broker.(PresenceBroker)
	if !ok {
		return ErrNoPresence
	}
	e.ConnID, e.JoinedAt = s.c.ID(), time.Now().UTC()
	ctx := s.c.Context()
	if err := pb.Presence().Join(ctx, s.topic, e); err != nil {
		return err
	}
	s.presence, s.entry = pb.Presence(), e
	if err := announce(ctx, s.broker, "join", s.topic, e); err != nil {
		// Join fails, so no Leave will come: the entry must go now (the
		// connection closed meanwhile, or the broker went away).
		pb.Presence().Leave(context.WithoutCancel(ctx), s.topic, e.ConnID)
		return err
	}
	return nil
}

// Presence lists who is in the subscription's topic, on every instance.
func (s *Subscription) Presence() ([]PresenceEntry, error) {
	pb, ok := s.broker.(PresenceBroker)
	if !ok {
		return nil, ErrNoPresence
	}
	return pb.Presence().List(s.c.Context(), s.topic)
}

// Publish sends v on topic through b, from outside any connection.
// Compress applies; SaveHistory and NoHistory are checked against the
// topic's history (see SaveHistory); ExcludeSender has no effect here.
func Publish(ctx context.Context, b Broker, topic string, v any, opts ...PublishOption) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	cfg := publishOptions(opts)
	if err := cfg.history.check(b, topic); err != nil {
		return err
	}
	m, err := NewMessage(topic, v)
	if err != nil {
		return err
	}
	cfg.applyCompress(m)
	return b.Publish(ctx, topic, m)
}
