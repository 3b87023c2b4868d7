package natsbroker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// natsURL is the shared test server: NEXO_NATS_URL or the default.
func natsURL() string {
	if u := os.Getenv("NEXO_NATS_URL"); u != "" {
		return u
	}
	return natsbroker.DefaultURL
}

// requireNATS returns the shared server's URL, or skips the test when it
// cannot be reached (fails it with NEXO_REQUIRE_SERVICES=1).
func requireNATS(t testing.TB) string {
	t.Helper()
	u := natsURL()
	nc, err := nats.Connect(u, nats.Timeout(2*time.Second))
	if err != nil {
		unavailable(t, fmt.Sprintf("no NATS server at %s (%v): start one with `nats-server -js`, or set NEXO_NATS_URL", u, err))
		return ""
	}
	nc.Close()
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

var _ io.Writer = tWriter{}

// runPrefix returns a prefix unique to this test run, and removes its
// buckets when the test ends.
func runPrefix(t testing.TB, url string) string {
	t.Helper()
	p := fmt.Sprintf("nexotest%d:", time.Now().UnixNano())
	t.Cleanup(func() { deleteBuckets(t, url, p) })
	return p
}

func deleteBuckets(t testing.TB, url, prefix string) {
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, presence, instances := natsbroker.NamesFor(prefix)
	for _, b := range []string{presence, instances} {
		if err := js.DeleteKeyValue(ctx, b); err != nil {
			t.Logf("delete bucket %s: %v", b, err)
		}
	}
}

// server is a nats-server of the test's own, on a free loopback port, that
// the test may stop and start again (never the shared one).
type server struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	args []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// ownServer starts a nats-server with JetStream for t, or skips t when
// there is no nats-server binary.
func ownServer(t testing.TB, args ...string) *server {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin, err = exec.LookPath("/usr/sbin/nats-server") // Debian's, off a user's PATH
	}
	if err != nil {
		unavailable(t, "no nats-server binary on PATH (apt-get install nats-server)")
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &server{t: t, bin: bin, port: port, dir: t.TempDir(), args: args}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL returns the server's URL.
func (s *server) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server and waits until it accepts connections.
func (s *server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	args := append([]string{"-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-js", "-sd", s.dir}, s.args...)
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start nats-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := nats.Connect(s.URL(), nats.Timeout(time.Second))
		if err == nil {
			// JetStream answers too, when it is on.
			js, _ := jetstream.New(nc)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
			nc.Close()
			if err == nil || errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nats-server on %d not ready: %v", s.port, err)
		}
		time.Sleep(50 * time.Millisecond)
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

func newChanSub(n int) chanSub { return make(chanSub, n) }

func (c chanSub) Deliver(m *channels.Message) {
	select {
	case c <- m:
	default:
		panic("chanSub full")
	}
}

// wait returns the next message, or false after d.
func (c chanSub) wait(d time.Duration) (*channels.Message, bool) {
	select {
	case m := <-c:
		return m, true
	case <-time.After(d):
		return nil, false
	}
}

// next returns the next message or fails t after 5 s.
func (c chanSub) next(t testing.TB) *channels.Message {
	t.Helper()
	m, ok := c.wait(5 * time.Second)
	if !ok {
		t.Fatal("no message within 5 s")
	}
	return m
}

// empty fails t if a message is waiting.
func (c chanSub) empty(t testing.TB) {
	t.Helper()
	select {
	case m := <-c:
		t.Fatalf("unexpected message %q", m.Data)
	default:
	}
}
