package redisbroker_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// logSignal is a slog.Handler that logs to t and signals every record
// whose message contains a substring.
type logSignal struct {
	slog.Handler
	substr string
	ch     chan struct{}
}

func (h *logSignal) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *logSignal) WithAttrs(as []slog.Attr) slog.Handler {
	return &logSignal{h.Handler.WithAttrs(as), h.substr, h.ch}
}

// signalOn returns a logger for t and a channel that receives when a
// record containing substr is logged.
func signalOn(t testing.TB, substr string) (*slog.Logger, <-chan struct{}) {
	h := &logSignal{Handler: quiet(t).Handler(), substr: substr, ch: make(chan struct{}, 1)}
	return slog.New(h), h.ch
}

// TestRoomJoinableAfterOutageLeave: the last local member of a topic
// leaves while the server is down (its UNSUBSCRIBE cannot be sent); once
// the server is back, the topic can be subscribed again at once, and
// delivers. Several rounds, since the receive loop's own retries must not
// happen to hide the state left behind.
func TestRoomJoinableAfterOutageLeave(t *testing.T) {
	s := ownServer(t)
	logger, lost := signalOn(t, "subscription connection lost")
	f := newFactory(t, s.URL(), redisbroker.WithLogger(logger))
	b := f.New(t)
	ctx := context.Background()
	for round := range 3 {
		topic := fmt.Sprintf("room:%d", round)
		first := make(chanSub, 4)
		if err := b.Subscribe(ctx, topic, first); err != nil {
			t.Fatal(err)
		}
		s.Stop()
		<-lost                           // the receive loop saw the outage, and waits before retrying
		b.Unsubscribe(ctx, topic, first) // fails: the server is down
		s.Start()
		waitFor(t, 10*time.Second, "ping", func() bool { return b.Ping(ctx) == nil })

		again := make(chanSub, 4)
		sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := b.Subscribe(sctx, topic, again)
		cancel()
		if err != nil {
			t.Fatalf("round %d: subscribe again after the outage: %v", round, err)
		}
		if err := channels.Publish(ctx, b, topic, "back"); err != nil {
			t.Fatal(err)
		}
		if m := again.next(t); string(m.Data) != "back" {
			t.Fatalf("round %d: got %q", round, m.Data)
		}
		b.Unsubscribe(ctx, topic, again)
	}
}

// TestPublishFailsFastDuringOutage: with the server down, Publish returns
// an error without waiting for dial retries (the bound is loose, for a
// loaded machine; BenchmarkPublishDuringOutage measures it).
func TestPublishFailsFastDuringOutage(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	b := f.New(t)
	ctx := context.Background()
	s.Stop()
	for i := range 5 {
		start := time.Now()
		err := channels.Publish(ctx, b, "news", i)
		took := time.Since(start)
		if err == nil {
			t.Fatal("Publish returned nil while the server was down")
		}
		if took > 100*time.Millisecond {
			t.Fatalf("publish %d during the outage took %v, want < 100ms", i, took)
		}
	}
}

// BenchmarkPublishDuringOutage measures how long Publish takes to fail
// while the server is down.
func BenchmarkPublishDuringOutage(bm *testing.B) {
	s := ownServer(bm)
	f := newFactory(bm, s.URL())
	b := f.New(bm)
	ctx := context.Background()
	s.Stop()
	for bm.Loop() {
		if channels.Publish(ctx, b, "news", 1) == nil {
			bm.Fatal("Publish returned nil while the server was down")
		}
	}
}
