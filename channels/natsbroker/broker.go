package natsbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/redact"
)

// Broker is a channels.PresenceBroker on NATS: core NATS subjects carry
// the messages, JetStream key-value buckets hold presence.
//
// A Broker is safe for concurrent use. The zero Broker is not usable; call
// New or Open.
type Broker struct {
	cfg   config
	names names
	nc    *nats.Conn
	pnc   *nats.Conn // presence entries: a connection of their own, or nc with WithConn
	lnc   *nats.Conn // the lease: a connection of its own, or nc with WithConn
	owned bool       // the connections were made by New: Close closes them

	local channels.Local

	mu     sync.Mutex // guards subs and the Local decisions made with them
	subs   map[string]*upstream
	closed atomic.Bool // set under mu

	presence *presence
	hist     histories
	ctx      context.Context // cancelled by Close: stops the goroutines
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
}

var _ channels.PresenceBroker = (*Broker)(nil)

// upstream is the NATS subscription of one topic.
type upstream struct {
	sub     *nats.Subscription // core NATS, for a topic without history
	ccMu    sync.Mutex
	cc      jetstream.ConsumeContext // an ordered consumer, for a topic with history
	stopped bool                     // guarded by ccMu
	ready   chan struct{}            // closed once the server has the subscription
	err     error                    // why it could not be registered; set before ready closes
	gone    atomic.Bool              // the subscription ended
}

// stop ends the upstream subscription, whichever kind it is.
func (up *upstream) stop() {
	if up.sub != nil {
		up.sub.Unsubscribe()
		return
	}
	up.ccMu.Lock()
	defer up.ccMu.Unlock()
	up.stopped = true
	if up.cc != nil {
		up.cc.Stop()
	}
}

// replaceConsumer swaps the ordered consumer for cc.
func (up *upstream) replaceConsumer(cc jetstream.ConsumeContext) {
	up.ccMu.Lock()
	defer up.ccMu.Unlock()
	if up.cc != nil {
		up.cc.Stop()
	}
	if up.stopped {
		cc.Stop()
		return
	}
	up.cc = cc
}

// setConsumer records the ordered consumer of a topic with history, or
// stops it when the subscription ended meanwhile.
func (up *upstream) setConsumer(cc jetstream.ConsumeContext) {
	up.ccMu.Lock()
	defer up.ccMu.Unlock()
	if up.stopped {
		cc.Stop()
		return
	}
	up.cc = cc
}

// Internal time limits.
const (
	connectTimeout = 5 * time.Second // dial and handshake in New
	opTimeout      = 5 * time.Second // a flush, a presence operation, Close's cleanup
)

// ErrNoJetStream is returned by the Presence methods when the server has
// no JetStream: messages still flow, presence is unavailable.
var ErrNoJetStream = errors.New("natsbroker: presence needs JetStream, which the server does not enable")

// Open is New(ctx, WithURL(url), opts...).
func Open(ctx context.Context, url string, opts ...Option) (*Broker, error) {
	return New(ctx, append([]Option{WithURL(url)}, opts...)...)
}

// New connects to NATS and returns a broker. A server that cannot be
// reached now is an error (no retry in the background); once connected,
// the broker reconnects forever, with a backoff from 100 ms to 2 s, and
// nats.go restores every subscription. ctx bounds the start-up: the
// connection and the creation of the presence buckets.
func New(ctx context.Context, opts ...Option) (*Broker, error) {
	cfg := config{url: DefaultURL, prefix: DefaultPrefix, lease: DefaultLease}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.instance == "" {
		cfg.instance = uuid.NewString()
	}
	if cfg.lease < MinLease {
		return nil, fmt.Errorf("natsbroker: lease %v is below the minimum %v", cfg.lease, MinLease)
	}
	b := &Broker{
		cfg:   cfg,
		names: namesFor(cfg.prefix),
		subs:  make(map[string]*upstream),
	}
	b.cfg.logger = cfg.logger.With("broker", "nats", "instance", cfg.instance)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.conn != nil {
		b.nc = cfg.conn
		if !b.nc.IsConnected() && !b.nc.IsReconnecting() {
			return nil, fmt.Errorf("natsbroker: connection is %v", b.nc.Status())
		}
		if b.nc.Opts.ReconnectBufSize != -1 {
			b.cfg.logger.Warn("natsbroker: the connection buffers publishes while reconnecting (nats.ReconnectBufSize is not -1): a publish during an outage may return nil and be lost")
		}
		b.pnc, b.lnc = b.nc, b.nc
	} else {
		nc, err := nats.Connect(cfg.url, b.natsOptions(ctx, "")...)
		if err != nil {
			return nil, fmt.Errorf("natsbroker: connect %s: %w", redact.URLs(cfg.url), redact.Error(err, cfg.url))
		}
		b.nc, b.owned = nc, true
		// Presence and the lease on connections of their own: a renewal
		// never waits behind the messages of a busy connection, nor
		// behind the entries that lists read.
		for _, c := range []struct {
			nc   **nats.Conn
			role string
		}{{&b.pnc, " presence"}, {&b.lnc, " lease"}} {
			if *c.nc, err = nats.Connect(cfg.url, b.natsOptions(ctx, c.role)...); err != nil {
				b.closeConn()
				return nil, fmt.Errorf("natsbroker: connect %s: %w", redact.URLs(cfg.url), redact.Error(err, cfg.url))
			}
		}
	}
	p, err := newPresence(ctx, b)
	if err != nil {
		b.closeConn()
		return nil, err
	}
	b.presence = p
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if p.kv != nil {
		b.wg.Go(p.renew)
		b.wg.Go(p.reap)
		b.wg.Go(p.retryLeaves)
	}
	if every := sweepEvery(cfg.history); every > 0 {
		b.wg.Go(func() { b.sweep(every) })
	}
	return b, nil
}

// natsOptions are the options of a connection the broker owns; role
// ends its name.
func (b *Broker) natsOptions(ctx context.Context, role string) []nats.Option {
	log := b.cfg.logger
	timeout := connectTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	opts := []nats.Option{
		nats.Name("nexo " + b.cfg.instance + role),
		nats.Timeout(timeout),
		nats.RetryOnFailedConnect(false),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(backoff),
		// Fail a publish made while disconnected rather than buffer it
		// and maybe lose it: no silent drop.
		nats.ReconnectBufSize(-1),
		nats.PingInterval(10 * time.Second),
		nats.MaxPingsOutstanding(3),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err == nil || b.closed.Load() {
				return // our own Close
			}
			log.Warn("natsbroker: disconnected, reconnecting", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("natsbroker: reconnected", "server", nc.ConnectedUrlRedacted(), "reconnects", nc.Stats().Reconnects)
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Warn("natsbroker: connection closed", "err", err)
			}
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			// A slow consumer (nats.ErrSlowConsumer) means messages were
			// dropped: say so.
			attrs := []any{"err", err}
			if sub != nil {
				attrs = append(attrs, "subject", sub.Subject)
			}
			log.Error("natsbroker: asynchronous error", attrs...)
		}),
	}
	return append(opts, b.cfg.natsOpts...)
}

// backoff is the default reconnect delay after the attempt-th failed round
// over the servers: 100 ms doubling to 2 s, with up to 20% jitter.
func backoff(attempt int) time.Duration {
	d := 2 * time.Second
	if attempt < 6 {
		d = min(d, 100*time.Millisecond<<(attempt-1))
	}
	return d + rand.N(d/5+1)
}

// Subject returns the NATS subject on which topic travels.
func (b *Broker) Subject(topic string) string { return b.names.subject + token(topic) }

// InstanceID returns the instance ID of the broker's presence entries.
func (b *Broker) InstanceID() string { return b.cfg.instance }

// Conn returns the broker's NATS connection.
func (b *Broker) Conn() *nats.Conn { return b.nc }

// Reconnects returns how many times the connection was re-established.
func (b *Broker) Reconnects() uint64 { return b.nc.Stats().Reconnects }

// Subscribe adds s to topic. The first local subscriber of a topic
// subscribes upstream and waits (at most 5 s, and ctx) for the server to
// confirm, so that every message published after Subscribe returns
// reaches s; a later one waits for the same confirmation. On error s is
// not subscribed.
func (b *Broker) Subscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return channels.ErrBrokerClosed
	}
	first := b.local.Add(topic, s)
	up := b.subs[topic]
	policy, history := b.cfg.history.For(topic)
	if first {
		up = &upstream{ready: make(chan struct{})}
		if !history {
			sub, err := b.nc.Subscribe(b.Subject(topic), b.handler(topic, up))
			if err != nil {
				b.local.Remove(topic, s)
				b.mu.Unlock()
				return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
			}
			up.sub = sub
		}
		b.subs[topic] = up
	}
	b.mu.Unlock()

	if first && history {
		up.err = b.subscribeHistory(ctx, topic, policy, up)
		close(up.ready)
	} else if first {
		err := b.flush(ctx)
		if err != nil {
			err = fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
		}
		up.err = err
		close(up.ready)
	} else {
		select {
		case <-up.ready:
		case <-ctx.Done():
			b.remove(topic, s)
			return ctx.Err()
		}
	}
	if up.err != nil {
		b.remove(topic, s)
		return up.err
	}
	return nil
}

// flush waits for the server to have processed what was sent so far.
func (b *Broker) flush(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	return b.nc.FlushWithContext(ctx)
}

// handler delivers the messages of topic to its local subscribers. nats.go
// calls it from one goroutine per subscription, in order. A message still
// queued for a subscription that has ended is dropped: a topic subscribed
// again has a new subscription, and its subscribers must not get what was
// published before they subscribed.
func (b *Broker) handler(topic string, up *upstream) nats.MsgHandler {
	return func(msg *nats.Msg) {
		// The subscribers are read before gone: remove sets gone before
		// a later Subscribe can add anyone (both under b.mu), so a
		// subscriber that came after this upstream ended, with an
		// upstream of its own, is in subs only when gone is seen set. Read
		// the other way round, a message of the old upstream could reach
		// the new subscriber, though published before it subscribed.
		subs := b.local.Subscribers(topic)
		if up.gone.Load() || len(subs) == 0 {
			return
		}
		m, err := channels.DecodeMessage(topic, msg.Data)
		if err != nil {
			b.cfg.logger.Warn("natsbroker: dropped a malformed message", "topic", topic, "err", err)
			return
		}
		for _, s := range subs {
			s.Deliver(m)
		}
	}
}

// Unsubscribe removes s from topic; the last local subscriber's leaving
// ends the upstream subscription. It is a no-op when s is not subscribed.
func (b *Broker) Unsubscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	return b.remove(topic, s)
}

func (b *Broker) remove(topic string, s channels.Subscriber) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() || !b.local.Remove(topic, s) {
		return nil
	}
	up := b.subs[topic]
	delete(b.subs, topic)
	if up == nil {
		return nil
	}
	up.gone.Store(true)
	if up.sub == nil {
		up.stop()
		return nil
	}
	// Unsubscribe only queues an UNSUB; it does not wait for the server.
	if err := up.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
		return fmt.Errorf("natsbroker: unsubscribe %q: %w", topic, err)
	}
	return nil
}

// Publish sends m to every subscriber of topic on every instance, this one
// included (through the server). Messages of one Broker arrive in publish
// order. An error means the message was not sent; in particular, while
// the connection is down Publish fails at once (nothing is buffered).
// Without WithConfirmedPublish, nil means the message was handed to the
// connection: one written just as the connection breaks can be lost.
func (b *Broker) Publish(ctx context.Context, topic string, m *channels.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.closed.Load() {
		return channels.ErrBrokerClosed
	}
	m.Topic = topic
	if p, ok := b.cfg.history.For(topic); ok {
		return b.publishHistory(ctx, topic, p, m)
	}
	if err := b.nc.Publish(b.Subject(topic), channels.EncodeMessage(m)); err != nil {
		return fmt.Errorf("natsbroker: publish %q: %w", topic, err)
	}
	if b.cfg.confirm {
		if err := b.flush(ctx); err != nil {
			return fmt.Errorf("natsbroker: publish %q: unconfirmed: %w", topic, err)
		}
	}
	return nil
}

// Topics returns the topics with at least one local subscriber.
func (b *Broker) Topics() []string { return b.local.Topics() }

// ChannelCount returns the number of topics with at least one local
// subscriber, each of which has one NATS subscription.
func (b *Broker) ChannelCount() int { return b.local.Len() }

// Subscribers returns the number of local subscribers of topic (the
// connections of this instance that joined it).
func (b *Broker) Subscribers(topic string) int { return b.local.Count(topic) }

// Presence returns the broker's presence, kept in JetStream. See the
// package documentation.
func (b *Broker) Presence() channels.Presence { return b.presence }

// Close removes this instance's presence entries and lease, ends every
// subscription and, when New made the connection, drains and closes it.
// It always returns nil: presence it cannot remove (the server is away)
// is logged and expires with the lease. It is idempotent; after it every
// method returns channels.ErrBrokerClosed (Unsubscribe returns nil).
func (b *Broker) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed.Store(true)
		subs := b.subs
		b.subs = map[string]*upstream{}
		b.mu.Unlock()

		b.cancel()
		b.wg.Wait()
		b.presence.lists.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		b.presence.close(ctx)
		for _, up := range subs {
			up.gone.Store(true)
			up.stop()
		}
		b.closeConn()
	})
	return nil
}

// closeConn drains and closes the connections the broker owns: the
// subscriptions' pending messages are delivered first.
func (b *Broker) closeConn() {
	if !b.owned {
		return
	}
	var wg sync.WaitGroup
	for _, nc := range []*nats.Conn{b.nc, b.pnc, b.lnc} {
		if nc != nil {
			wg.Go(func() { drain(nc) })
		}
	}
	wg.Wait()
}

// drain drains and closes nc, or closes it when draining fails or stalls.
func drain(nc *nats.Conn) {
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		return
	}
	select {
	case <-closed:
	case <-time.After(opTimeout + time.Second):
		nc.Close()
	}
}
