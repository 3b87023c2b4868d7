package nexo_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server of the test's own on a free loopback port,
// which the test may stop and start again. The shared server is never
// touched.
type redisServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// ownRedis starts a redis-server for t and stops it when t ends. Without a
// redis-server binary it skips t, or fails it with NEXO_REQUIRE_SERVICES=1.
func ownRedis(t testing.TB) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin, err = exec.LookPath("/usr/bin/redis-server")
	}
	if err != nil {
		unavailable(t, "no redis-server binary on PATH (apt-get install redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL returns the server's URL.
func (s *redisServer) URL() string { return "redis://" + s.addr() }

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server, unless it runs, and waits until it answers PING.
func (s *redisServer) Start() {
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
	rc := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
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
			s.t.Fatalf("redis-server on port %d not ready: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond) // the server has no event to wait on
	}
}

// Stop stops the server by its own PID and waits for it to exit.
func (s *redisServer) Stop() {
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

// unavailable skips t with msg, or fails it when NEXO_REQUIRE_SERVICES=1.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("NEXO_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg + " (NEXO_REQUIRE_SERVICES=1)")
	}
	t.Skip(msg)
}
