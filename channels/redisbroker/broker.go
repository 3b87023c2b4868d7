package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/redact"
)

// Broker is a channels.PresenceBroker on Redis: pub/sub channels carry the
// messages, hashes with leased instances hold presence.
//
// A Broker is safe for concurrent use. The zero Broker is not usable; call
// New or Open.
type Broker struct {
	cfg   config
	rc    *redis.Client
	owned bool // rc was made by New: Close closes it

	local channels.Local

	// cmdMu serialises the decisions taken with local and the SUBSCRIBE
	// and UNSUBSCRIBE commands they lead to, so that the server sees them
	// in the order they were decided. It is held during the command's
	// write, never while delivering.
	cmdMu sync.Mutex
	ps    atomic.Pointer[redis.PubSub] // replaced under cmdMu

	// subsMu guards subs and unsubs; the receive loop takes it per
	// message, briefly.
	subsMu sync.Mutex
	subs   map[string]*upstream // by topic
	unsubs map[string]int       // UNSUBSCRIBEs sent and not yet confirmed, by topic

	closed     atomic.Bool
	reconnects atomic.Uint64
	positions  positions              // last delivered per topic with history
	runID      atomic.Pointer[string] // the server's run_id last seen (learnRun), for the log
	started    atomic.Int64           // when the server started (Unix ns, from its uptime), learnt likewise; 0 unknown

	presence *presence
	ctx      context.Context // cancelled by Close: stops the goroutines
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
}

var _ channels.PresenceBroker = (*Broker)(nil)

// upstream is the Redis subscription of one topic.
type upstream struct {
	ready     chan struct{} // closed when the server confirmed the SUBSCRIBE
	confirmed bool          // guarded by subsMu
}

// Internal time limits.
const (
	connectTimeout = 5 * time.Second // dial and PING in New
	opTimeout      = 5 * time.Second // a subscription's confirmation, Close's cleanup
	idlePing       = 5 * time.Second // silence on the subscription before a PING
	maxBackoff     = 2 * time.Second // the longest wait between reconnect attempts
	minBackoff     = 100 * time.Millisecond
)

// Open is New(ctx, WithURL(url), opts...).
func Open(ctx context.Context, url string, opts ...Option) (*Broker, error) {
	return New(ctx, append([]Option{WithURL(url)}, opts...)...)
}

// New connects to Redis and returns a broker. It sends a PING first, so a
// wrong URL or a server that is down fails here, loudly, instead of at the
// first message. Once started, the broker reconnects forever, with a
// backoff from 100 ms to 2 s, and subscribes every topic again. ctx bounds
// the start-up.
func New(ctx context.Context, opts ...Option) (*Broker, error) {
	cfg := config{url: DefaultURL, prefix: DefaultPrefix, lease: DefaultLease, idle: idlePing}
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
		return nil, fmt.Errorf("redisbroker: lease %v is below the minimum %v", cfg.lease, MinLease)
	}
	cfg.logger = cfg.logger.With("broker", "redis", "instance", cfg.instance)
	b := &Broker{
		cfg:    cfg,
		subs:   make(map[string]*upstream),
		unsubs: make(map[string]int),
	}
	if cfg.client != nil {
		b.rc = cfg.client
	} else {
		rc, err := newClient(ctx, cfg)
		if err != nil {
			return nil, err
		}
		b.rc, b.owned = rc, true
		b.watchServer()
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := b.rc.Ping(pctx).Err(); err != nil {
		b.closeClient()
		return nil, fmt.Errorf("redisbroker: ping %s: %w", serverOf(b.rc.Options().Addr, cfg), err)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	p, err := newPresence(pctx, b)
	if err != nil {
		b.cancel()
		b.closeClient()
		return nil, err
	}
	b.presence = p
	b.ps.Store(b.rc.Subscribe(b.ctx))
	b.wg.Go(b.receive)
	b.wg.Go(p.renew)
	b.wg.Go(p.reap)
	return b, nil
}

// newClient makes the client of a broker that owns its connection.
func newClient(ctx context.Context, cfg config) (*redis.Client, error) {
	opt, err := redis.ParseURL(cfg.url)
	if err != nil {
		return nil, fmt.Errorf("redisbroker: URL %s: %w", redact.URLs(cfg.url), redact.Error(err, cfg.url))
	}
	timeout := connectTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = max(time.Until(d), time.Millisecond)
	}
	opt.DialTimeout = timeout
	// A PUBLISH whose reply was lost must not be sent again: it may have
	// been delivered.
	opt.MaxRetries = -1
	// A server that is away fails a command at once, not after go-redis's
	// dial retries (400 ms by default): the receive loop and the pool
	// reconnect in the background.
	opt.DialerRetries = 1
	opt.ClientName = "nexo-" + cfg.instance
	for _, fn := range cfg.redisOpts {
		fn(opt)
	}
	return redis.NewClient(opt), nil
}

// serverOf names the server without credentials.
func serverOf(addr string, cfg config) string {
	if cfg.client != nil {
		return addr
	}
	return redact.URLs(cfg.url)
}

// Channel returns the Redis channel on which topic travels: the prefix
// followed by the topic.
func (b *Broker) Channel(topic string) string { return b.cfg.prefix + topic }

// InstanceID returns the instance ID of the broker's presence entries.
func (b *Broker) InstanceID() string { return b.cfg.instance }

// Client returns the broker's Redis client.
func (b *Broker) Client() *redis.Client { return b.rc }

// Reconnects returns how many times the subscription connection was
// re-established after it failed.
func (b *Broker) Reconnects() uint64 { return b.reconnects.Load() }

// Ping checks that the server answers. The App's readiness check calls it.
func (b *Broker) Ping(ctx context.Context) error {
	if b.closed.Load() {
		return channels.ErrBrokerClosed
	}
	if err := b.rc.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisbroker: ping: %w", err)
	}
	return nil
}

// Subscribe adds s to topic. The first local subscriber of a topic sends a
// SUBSCRIBE; every subscriber waits (at most 5 s, and ctx) for the server
// to confirm it, so that every message published after Subscribe returns
// reaches s. On error s is not subscribed.
func (b *Broker) Subscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	b.cmdMu.Lock()
	if b.closed.Load() {
		b.cmdMu.Unlock()
		return channels.ErrBrokerClosed
	}
	first := b.local.Add(topic, s)
	b.subsMu.Lock()
	up := b.subs[topic]
	if first {
		up = &upstream{ready: make(chan struct{})}
		b.subs[topic] = up
	}
	b.subsMu.Unlock()
	if first {
		if err := b.ps.Load().Subscribe(ctx, b.Channel(topic)); err != nil {
			b.removeLocked(ctx, topic, s)
			b.cmdMu.Unlock()
			return fmt.Errorf("redisbroker: subscribe %q: %w", topic, err)
		}
	}
	b.cmdMu.Unlock()

	t := time.NewTimer(opTimeout)
	defer t.Stop()
	select {
	case <-up.ready:
		return nil
	case <-ctx.Done():
		b.remove(context.WithoutCancel(ctx), topic, s)
		return fmt.Errorf("redisbroker: subscribe %q: %w", topic, ctx.Err())
	case <-t.C:
		b.remove(ctx, topic, s)
		return fmt.Errorf("redisbroker: subscribe %q: not confirmed by the server within %v", topic, opTimeout)
	}
}

// Unsubscribe removes s from topic; the last local subscriber's leaving
// sends an UNSUBSCRIBE. It is a no-op when s is not subscribed.
func (b *Broker) Unsubscribe(ctx context.Context, topic string, s channels.Subscriber) error {
	return b.remove(ctx, topic, s)
}

func (b *Broker) remove(ctx context.Context, topic string, s channels.Subscriber) error {
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	if b.closed.Load() {
		return nil
	}
	return b.removeLocked(ctx, topic, s)
}

// removeLocked is remove with cmdMu held.
func (b *Broker) removeLocked(ctx context.Context, topic string, s channels.Subscriber) error {
	if !b.local.Remove(topic, s) {
		return nil
	}
	b.subsMu.Lock()
	delete(b.subs, topic)
	b.unsubs[topic]++
	b.subsMu.Unlock()
	b.positions.forget(topic)
	// go-redis forgets the channel even when the command fails, so a
	// reconnection does not subscribe it again.
	if err := b.ps.Load().Unsubscribe(ctx, b.Channel(topic)); err != nil {
		// The command was not sent, or its connection broke and is
		// replaced: no confirmation will come, and none must be awaited,
		// or the topic's next subscription would never be confirmed.
		b.subsMu.Lock()
		b.unsubscribed(topic)
		b.subsMu.Unlock()
		return fmt.Errorf("redisbroker: unsubscribe %q: %w", topic, err)
	}
	return nil
}

// unsubscribed lowers the count of topic's UNSUBSCRIBEs in flight, which
// never goes below zero. Called with subsMu held.
func (b *Broker) unsubscribed(topic string) {
	if n := b.unsubs[topic]; n > 1 {
		b.unsubs[topic] = n - 1
	} else {
		delete(b.unsubs, topic)
	}
}

// Publish sends m to every subscriber of topic on every instance, this one
// included (through the server). Messages of one Broker arrive in publish
// order. Publish returns once the server has answered: nil means the
// server took the message; an error means it may not have, and the
// message is not sent again (no duplicate). While the server is away,
// Publish fails at once.
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
	if err := b.rc.Publish(ctx, b.Channel(topic), channels.EncodeMessage(m)).Err(); err != nil {
		return fmt.Errorf("redisbroker: publish %q: %w", topic, err)
	}
	return nil
}

// Topics returns the topics with at least one local subscriber.
func (b *Broker) Topics() []string { return b.local.Topics() }

// ChannelCount returns the number of topics with at least one local
// subscriber, each of which has one Redis subscription.
func (b *Broker) ChannelCount() int { return b.local.Len() }

// Subscribers returns the number of local subscribers of topic (the
// connections of this instance that joined it).
func (b *Broker) Subscribers(topic string) int { return b.local.Count(topic) }

// Presence returns the broker's presence, kept in Redis hashes. See the
// package documentation.
func (b *Broker) Presence() channels.Presence { return b.presence }

// Close removes this instance's presence entries and lease, ends every
// subscription and, when New made the client, closes it. It always
// returns nil: presence it cannot remove (the server is away) is logged
// and expires with the lease. It is idempotent; after it every method
// returns channels.ErrBrokerClosed (Unsubscribe returns nil).
func (b *Broker) Close() error {
	b.once.Do(func() {
		b.cmdMu.Lock()
		b.closed.Store(true)
		b.cmdMu.Unlock()

		b.cancel()
		b.ps.Load().Close() // ends the receive loop's read at once
		b.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		b.presence.close(ctx)
		b.closeClient()
	})
	return nil
}

// closeClient closes a client the broker owns.
func (b *Broker) closeClient() {
	if b.owned {
		if err := b.rc.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			b.cfg.logger.Warn("redisbroker: close", "err", err)
		}
	}
}
