package redisbroker

import (
	"context"
	"net"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dialer makes connections that a test can break, as a network failure
// would, without closing the broker.
type Dialer struct {
	mu      sync.Mutex
	conns   []*freezable
	blocked chan struct{} // non-nil while Block holds new dials
}

// freezable is a connection whose reads can be made to hang, as on a
// half-open TCP connection: what is written still reaches the server, no
// answer comes back.
type freezable struct {
	net.Conn
	frozen chan struct{} // closed by Freeze
	closed chan struct{} // closed by Close
	once   sync.Once
	fonce  sync.Once

	mu       sync.Mutex
	deadline time.Time // the read deadline, honoured while frozen
}

func (c *freezable) Read(p []byte) (int, error) {
	select {
	case <-c.frozen:
		c.mu.Lock()
		d := c.deadline
		c.mu.Unlock()
		var expired <-chan time.Time
		if !d.IsZero() {
			t := time.NewTimer(time.Until(d))
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-c.closed:
			return 0, net.ErrClosed
		case <-expired:
			return 0, os.ErrDeadlineExceeded
		}
	default:
	}
	return c.Conn.Read(p)
}

func (c *freezable) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *freezable) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *freezable) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// Dial is a redis.Options.Dialer.
func (d *Dialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	blocked := d.blocked
	d.mu.Unlock()
	if blocked != nil {
		select {
		case <-blocked:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	fc := &freezable{Conn: c, frozen: make(chan struct{}), closed: make(chan struct{})}
	d.mu.Lock()
	d.conns = append(d.conns, fc)
	d.mu.Unlock()
	return fc, nil
}

// Freeze makes every connection made so far stop reading: the broker
// sees silence, not an error. New connections work.
func (d *Dialer) Freeze() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.fonce.Do(func() { close(c.frozen) })
	}
	d.conns = nil
}

// Block makes new dials wait until Unblock (or their context ends), as
// when the network to the server is slow to come back.
func (d *Dialer) Block() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.blocked == nil {
		d.blocked = make(chan struct{})
	}
}

// Unblock lets the dials held by Block proceed.
func (d *Dialer) Unblock() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.blocked != nil {
		close(d.blocked)
		d.blocked = nil
	}
}

// Break closes every connection made so far.
func (d *Dialer) Break() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// WithDialer makes the broker dial through d.
func WithDialer(d *Dialer) Option {
	return WithRedisOptions(func(o *redis.Options) { o.Dialer = d.Dial })
}

// WithIdle sets the silence before a PING on the subscription.
func WithIdle(d time.Duration) Option { return func(c *config) { c.idle = d } }

// Crash stops b as a crashed process would: the lease is no longer
// renewed and the connections drop, nothing is deleted.
func Crash(b *Broker) {
	b.presence.crashed.Store(true)
	b.closed.Store(true)
	b.cancel()
	b.ps.Load().Close()
	b.wg.Wait()
	b.rc.Close()
}

// LeaseKey returns the key of b's lease.
func LeaseKey(b *Broker) string { return b.presence.leaseKey }

// Backoff exposes the reconnect delay.
var Backoff = backoff

// Reap runs one pass of b's check for crashed instances' entries.
func Reap(ctx context.Context, b *Broker) error { return b.presence.reapOnce(ctx) }

// PresenceTopicsKey returns the key of the set of topics with entries.
func PresenceTopicsKey(b *Broker) string { return b.presence.topics() }

// PresenceKey returns the key of topic's presence hash.
func PresenceKey(b *Broker, topic string) string { return b.presence.hash(topic) }

// RunHint returns the server run_id the broker believes in.
func (b *Broker) RunHint() string { return b.serverRun() }

// SetRunHint makes the broker believe in run, as a publish that read its
// hint just before the server restarted does.
func (b *Broker) SetRunHint(run string) { b.runID.Store(&run) }

// Renew runs one renewal of b's lease: when the lease is gone, b takes
// it again and writes its entries again.
func Renew(ctx context.Context, b *Broker) error { return b.presence.renewOnce(ctx) }
