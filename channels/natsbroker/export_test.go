package natsbroker

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Token exposes token for tests.
var Token = token

// Untoken exposes untoken for tests.
var Untoken = untoken

// NamesFor returns the subject prefix and bucket names of a prefix.
func NamesFor(prefix string) (subject, presence, instances string) {
	n := namesFor(prefix)
	return n.subject, n.presence, n.instances
}

// Backoff exposes the reconnect delay.
var Backoff = backoff

// Dialer makes connections that a test can break, as a network failure
// would, without closing the broker.
type Dialer struct {
	mu    sync.Mutex
	conns []net.Conn
}

// Dial implements nats.CustomDialer.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	c, err := (&net.Dialer{Timeout: 2 * time.Second}).Dial(network, address)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.conns = append(d.conns, c)
	d.mu.Unlock()
	return c, nil
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
	return WithNATSOptions(nats.SetCustomDialer(d))
}

// Crash stops b as a crashed process would: the lease is no longer
// renewed and the connection drops, nothing is deleted.
func Crash(b *Broker) {
	b.presence.crashed.Store(true)
	b.cancel()
	b.wg.Wait()
	b.nc.Close()
	b.pnc.Close()
	b.lnc.Close()
}

// RenewEvery returns how often b renews its lease.
func RenewEvery(b *Broker) time.Duration { return b.presence.every }

// LeaseAge returns how long ago b last renewed its lease.
func LeaseAge(b *Broker) time.Duration {
	return time.Since(time.Unix(0, b.presence.renewed.Load()))
}

// Key exposes key for tests.
var Key = key

// OnRewrite makes b call f before its lease rewrite writes an entry's key.
func OnRewrite(b *Broker, f func(key string)) {
	b.presence.mu.Lock()
	b.presence.onWrite = f
	b.presence.mu.Unlock()
}

// RetakeLease renews b's lease as if it had been lost: the lease is taken
// again and every entry of b written again.
func RetakeLease(ctx context.Context, b *Broker) error {
	b.presence.setRev(0)
	return b.presence.renewOnce(ctx)
}

// DropLease removes b's lease as its expiry would (b away longer than
// the lease): other instances then take b's entries for dead.
func DropLease(ctx context.Context, b *Broker) error {
	p := b.presence
	return p.purge(ctx, p.leasesS, b.names.instances, p.leaseKey)
}
