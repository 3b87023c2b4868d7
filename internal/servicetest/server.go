package servicetest

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is a redis-server or nats-server of one test's own, on a free
// loopback port, with its own data directory. It stops when the test ends.
type Server struct {
	t      testing.TB
	scheme string
	bin    string
	port   int
	args   []string
	ready  func(url string) error

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Redis starts a redis-server for t that keeps nothing on disk.
func Redis(t testing.TB) *Server {
	t.Helper()
	s := newServer(t, "redis", []string{"redis-server", "/usr/bin/redis-server"},
		"no redis-server binary on PATH (apt-get install redis-server)")
	s.args = []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--daemonize", "no", "--loglevel", "warning"}
	s.ready = pingRedis
	s.Start()
	return s
}

// NATS starts a nats-server with JetStream for t; args are added to its
// command line (e.g. "-js=false").
func NATS(t testing.TB, args ...string) *Server {
	t.Helper()
	s := newServer(t, "nats", []string{"nats-server", "/usr/sbin/nats-server"},
		"no nats-server binary on PATH (apt-get install nats-server)")
	s.args = append([]string{"-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", t.TempDir()}, args...)
	s.ready = natsReady
	s.Start()
	return s
}

func newServer(t testing.TB, scheme string, bins []string, missing string) *Server {
	t.Helper()
	var bin string
	for _, b := range bins {
		if p, err := exec.LookPath(b); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		Unavailable(t, missing)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{t: t, scheme: scheme, bin: bin, port: port}
	t.Cleanup(s.Stop)
	return s
}

// URL returns the server's URL (redis:// or nats://).
func (s *Server) URL() string { return s.scheme + "://" + s.Addr() }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server, unless it runs, and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin, s.args...)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.ready(s.URL())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s on %s not ready: %v", s.bin, s.Addr(), err)
		}
		time.Sleep(20 * time.Millisecond) // a starting server has no event to wait on
	}
}

// Stop stops the server by its own PID and waits for it to exit; a server
// that has not exited after 5 s is killed.
func (s *Server) Stop() {
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

// natsReady reports whether the server accepts connections and, when
// JetStream is on, answers its API.
func natsReady(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil && !errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
		return err
	}
	return nil
}
