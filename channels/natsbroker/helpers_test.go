package natsbroker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/internal/servicetest"
)

// requireNATS returns the shared server's URL, or skips the test when it
// cannot be reached (fails it with NEXO_REQUIRE_SERVICES=1).
func requireNATS(t testing.TB) string { return servicetest.RequireNATS(t) }

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

// ownServer starts a nats-server of the test's own (servicetest.NATS).
func ownServer(t testing.TB, args ...string) *servicetest.Server { return servicetest.NATS(t, args...) }

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
