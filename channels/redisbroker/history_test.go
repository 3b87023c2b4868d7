package redisbroker_test

import (
	"context"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/brokertest"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// history returns a broker of f keeping history under p.
func (f *factory) history(t *testing.T, p channels.HistoryPolicy) channels.HistoryBroker {
	return f.withHistory(t, p)
}

// withHistory returns a broker of f keeping history under p, with extra
// options.
func (f *factory) withHistory(t testing.TB, p channels.HistoryPolicy, extra ...redisbroker.Option) *redisbroker.Broker {
	t.Helper()
	opts := append(append([]redisbroker.Option(nil), f.opts...), redisbroker.WithHistory(p))
	g := &factory{url: f.url, prefix: f.prefix, dialers: map[channels.Broker]*redisbroker.Dialer{},
		opts: append(opts, extra...)}
	b := g.New(t)
	f.mu.Lock()
	f.dialers[b] = g.dialers[b]
	f.mu.Unlock()
	return b
}

// TestHistory runs the history suite on the shared server, across two
// instances; Kill breaks the TCP connections of the subscriber's
// instance in the middle of the stream.
func TestHistory(t *testing.T) {
	f := newFactory(t, requireRedis(t))
	brokertest.RunHistory(t, f.history, brokertest.HistoryOptions{
		Cluster: true,
		Kill:    func(t *testing.T, b channels.HistoryBroker) { f.dialerOf(b).Break() },
	})
}

// TestHistoryServerRestart: a restarted server (it keeps nothing) has lost
// the history; clients are told so by a new epoch and recovered:false.
func TestHistoryServerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	brokertest.RunHistory(t, f.history, brokertest.HistoryOptions{
		Cluster: true,
		Lose: func(t *testing.T, b channels.HistoryBroker, _ channels.HistoryPolicy) channels.HistoryBroker {
			rb := b.(*redisbroker.Broker)
			before := rb.Reconnects()
			s.Stop()
			s.Start()
			waitFor(t, 10*time.Second, "reconnect", func() bool { return rb.Reconnects() > before })
			waitFor(t, 10*time.Second, "ping", func() bool { return rb.Ping(context.Background()) == nil })
			return b
		},
	})
}

// TestConformanceWithHistory: with history on every topic, the broker
// still passes the broker suite.
func TestConformanceWithHistory(t *testing.T) {
	f := newFactory(t, requireRedis(t), redisbroker.WithHistory(channels.HistoryPolicy{Pattern: "*"}))
	brokertest.Run(t, f.Broker, brokertest.Options{Cluster: true, Kill: f.breakConn})
}

// TestHistoryOlderSnapshot: a server restarted from an older snapshot has
// offsets the clients already saw beyond; the history starts a new epoch
// instead of reusing them.
func TestHistoryOlderSnapshot(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	const tp = "room:snap"
	b := f.withHistory(t, channels.HistoryPolicy{Pattern: "room:*"})
	ctx := context.Background()
	publish := func(n int) {
		for i := range n {
			if err := channels.Publish(ctx, b, tp, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(3)
	if err := b.Client().Save(ctx).Err(); err != nil { // the snapshot: offsets 1..3
		t.Fatal(err)
	}
	publish(3)
	rec, err := b.Recover(ctx, tp, channels.RecoverQuery{})
	if err != nil || rec.Position.Offset != 6 {
		t.Fatalf("before the restart: %v %v", rec.Position, err)
	}
	seen := rec.Position
	before := b.Reconnects()
	s.Stop()
	s.Start() // loads the snapshot: the history says 3
	waitFor(t, 10*time.Second, "reconnect", func() bool { return b.Reconnects() > before })
	waitFor(t, 10*time.Second, "ping", func() bool { return b.Ping(ctx) == nil })
	publish(4)
	rec, err = b.Recover(ctx, tp, channels.RecoverQuery{Since: &seen})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Recovered || rec.Position.Epoch == seen.Epoch || rec.Position.Offset != 4 {
		t.Fatalf("after a restart from an older snapshot: %+v, client at %v", rec, seen)
	}
}
