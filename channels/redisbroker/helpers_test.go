package redisbroker_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
)

// requireRedis returns the shared server's URL, or skips the test when it
// cannot be reached (fails it with NEXO_REQUIRE_SERVICES=1).
func requireRedis(t testing.TB) string { return servicetest.RequireRedis(t) }

// quiet is a logger for tests: warnings and errors only, on the test log.
func quiet(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// runPrefix returns a prefix unique to this test, and deletes its keys
// when the test ends.
func runPrefix(t testing.TB, url string) string {
	t.Helper()
	p := fmt.Sprintf("nexotest%d:", time.Now().UnixNano())
	t.Cleanup(func() {
		opt, _ := redis.ParseURL(url)
		rc := redis.NewClient(opt)
		defer rc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := rc.Scan(ctx, 0, p+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rc.Del(ctx, iter.Val())
		}
	})
	return p
}

// factory returns brokers on one server and prefix, each dialling through
// a Dialer that breakConn breaks.
type factory struct {
	url, prefix string
	opts        []redisbroker.Option
	mu          sync.Mutex
	dialers     map[channels.Broker]*redisbroker.Dialer
}

func newFactory(t testing.TB, url string, opts ...redisbroker.Option) *factory {
	return &factory{url: url, prefix: runPrefix(t, url), opts: opts, dialers: map[channels.Broker]*redisbroker.Dialer{}}
}

func (f *factory) New(t testing.TB) *redisbroker.Broker {
	t.Helper()
	d := &redisbroker.Dialer{}
	opts := append([]redisbroker.Option{redisbroker.WithPrefix(f.prefix), redisbroker.WithLogger(quiet(t)), redisbroker.WithDialer(d)}, f.opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := redisbroker.Open(ctx, f.url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f.mu.Lock()
	f.dialers[b] = d
	f.mu.Unlock()
	return b
}

func (f *factory) Broker(t *testing.T) channels.Broker { return f.New(t) }

func (f *factory) PresenceBroker(t *testing.T) channels.PresenceBroker { return f.New(t) }

// dialerOf returns the Dialer of b.
func (f *factory) dialerOf(b channels.Broker) *redisbroker.Dialer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dialers[b]
}

// breakConn drops every TCP connection of b and waits for the
// subscription to be restored.
func (f *factory) breakConn(t *testing.T, b channels.Broker) {
	rb := b.(*redisbroker.Broker)
	before := rb.Reconnects()
	f.dialerOf(b).Break()
	waitFor(t, 10*time.Second, "reconnect", func() bool { return rb.Reconnects() > before })
}

// waitFor polls ok: the state it watches (a counter kept by another
// goroutine, a server's answer) has no event to wait on.
func waitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ownServer starts a redis-server of the test's own (servicetest.Redis).
func ownServer(t testing.TB) *servicetest.Server { return servicetest.Redis(t) }

// chanSub is a Subscriber that queues what it receives.
type chanSub chan *channels.Message

func (c chanSub) Deliver(m *channels.Message) {
	select {
	case c <- m:
	default:
		panic("chanSub full")
	}
}

// next returns the next message or fails t after 5 s.
func (c chanSub) next(t testing.TB) *channels.Message {
	t.Helper()
	select {
	case m := <-c:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5 s")
		return nil
	}
}
