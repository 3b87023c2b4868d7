package natsbroker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/brokertest"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// factory returns brokers on url with prefix; each gets a Dialer that
// Kill breaks.
type factory struct {
	url, prefix string
	opts        []natsbroker.Option
	mu          sync.Mutex
	dialers     map[channels.Broker]*natsbroker.Dialer
}

func newFactory(t *testing.T, url string, opts ...natsbroker.Option) *factory {
	return &factory{url: url, prefix: runPrefix(t, url), opts: opts, dialers: map[channels.Broker]*natsbroker.Dialer{}}
}

func (f *factory) New(t *testing.T) *natsbroker.Broker {
	t.Helper()
	d := &natsbroker.Dialer{}
	opts := append([]natsbroker.Option{natsbroker.WithPrefix(f.prefix), natsbroker.WithLogger(quiet(t)), natsbroker.WithDialer(d)}, f.opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := natsbroker.Open(ctx, f.url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	f.mu.Lock()
	f.dialers[b] = d
	f.mu.Unlock()
	return b
}

func (f *factory) Broker(t *testing.T) channels.Broker { return f.New(t) }

func (f *factory) PresenceBroker(t *testing.T) channels.PresenceBroker { return f.New(t) }

// breakConn drops b's TCP connection and waits for nats.go to reconnect.
func (f *factory) breakConn(t *testing.T, b channels.Broker) {
	nb := b.(*natsbroker.Broker)
	before := nb.Reconnects()
	f.mu.Lock()
	d := f.dialers[b]
	f.mu.Unlock()
	d.Break()
	waitFor(t, 10*time.Second, "reconnect", func() bool { return nb.Reconnects() > before })
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConformance runs the broker suite on the shared server; Kill breaks
// the TCP connection under the broker.
func TestConformance(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	brokertest.Run(t, f.Broker, brokertest.Options{Cluster: true, Kill: f.breakConn})
}

// TestConformanceServerRestart runs the suite on a server of its own;
// Kill stops that server and starts it again.
func TestConformanceServerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	brokertest.Run(t, f.Broker, brokertest.Options{Cluster: true, Kill: func(t *testing.T, b channels.Broker) {
		s.Stop()
		time.Sleep(300 * time.Millisecond)
		s.Start()
	}})
}

// TestPresenceConformance runs the presence suite with a 1 s lease.
func TestPresenceConformance(t *testing.T) {
	const lease = time.Second
	f := newFactory(t, requireNATS(t), natsbroker.WithLease(lease))
	brokertest.RunPresence(t, f.PresenceBroker, brokertest.PresenceOptions{
		Crash: func(t *testing.T, b channels.PresenceBroker) { natsbroker.Crash(b.(*natsbroker.Broker)) },
		Lease: lease,
	})
}
