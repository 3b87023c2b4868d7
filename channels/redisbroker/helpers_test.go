package redisbroker_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// redisURL is the shared test server: NEXO_REDIS_URL or the default.
func redisURL() string {
	if u := os.Getenv("NEXO_REDIS_URL"); u != "" {
		return u
	}
	return redisbroker.DefaultURL
}

// requireRedis returns the shared server's URL, or skips the test when it
// cannot be reached (fails it with NEXO_REQUIRE_SERVICES=1).
func requireRedis(t testing.TB) string {
	t.Helper()
	u := redisURL()
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rc.Ping(ctx).Err(); err != nil {
		unavailable(t, fmt.Sprintf("no Redis server at %s (%v): start one with `redis-server`, or set NEXO_REDIS_URL", u, err))
	}
	return u
}

func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("NEXO_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg + " (NEXO_REQUIRE_SERVICES=1)")
	}
	t.Skip(msg)
}

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

// server is a redis-server of the test's own, on a free loopback port,
// that the test may stop and start again (never the shared one).
type server struct {
	t    testing.TB
	bin  string
	port int
	dir  string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// ownServer starts a redis-server for t, or skips t when there is no
// redis-server binary.
func ownServer(t testing.TB) *server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin, err = exec.LookPath("/usr/bin/redis-server")
	}
	if err != nil {
		unavailable(t, "no redis-server binary on PATH (apt-get install redis-server)")
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &server{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL returns the server's URL.
func (s *server) URL() string { return "redis://127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server and waits until it answers PING.
func (s *server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(s.port), MaxRetries: -1})
	defer rc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rc.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %d not ready: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server (by its own PID) and waits for it to exit.
func (s *server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

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
