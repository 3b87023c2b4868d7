package redisbroker_test

import (
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/brokertest"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// TestConformance runs the broker suite on the shared server; Kill breaks
// the TCP connections under the broker.
func TestConformance(t *testing.T) {
	f := newFactory(t, requireRedis(t))
	brokertest.Run(t, f.Broker, brokertest.Options{Cluster: true, Kill: f.breakConn})
}

// TestConformanceServerRestart runs the suite on a server of its own;
// Kill stops that server and starts it again (empty: it keeps nothing).
func TestConformanceServerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	brokertest.Run(t, f.Broker, brokertest.Options{Cluster: true, Kill: func(t *testing.T, b channels.Broker) {
		rb := b.(*redisbroker.Broker)
		before := rb.Reconnects()
		s.Stop()
		s.Start()
		waitFor(t, 10*time.Second, "reconnect", func() bool { return rb.Reconnects() > before })
	}})
}

// TestPresenceConformance runs the presence suite with a 1 s lease.
func TestPresenceConformance(t *testing.T) {
	const lease = time.Second
	f := newFactory(t, requireRedis(t), redisbroker.WithLease(lease))
	brokertest.RunPresence(t, f.PresenceBroker, brokertest.PresenceOptions{
		Crash: func(t *testing.T, b channels.PresenceBroker) { redisbroker.Crash(b.(*redisbroker.Broker)) },
		Lease: lease,
	})
}
