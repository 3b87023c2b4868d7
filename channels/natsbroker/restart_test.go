package natsbroker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nexogo/nexo/channels"
)

// TestServerRestartMidStream stops the server under a publisher and a
// receiver: publishing fails during the outage (nothing is buffered), and
// once the server is back both reconnect, the receiver's subscription is
// restored, and delivery resumes within a few seconds.
func TestServerRestartMidStream(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	pub, sub := f.New(t), f.New(t)
	ctx := context.Background()
	const tp = "room:restart"
	c := newChanSub(4096)
	if err := sub.Subscribe(ctx, tp, c); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := channels.Publish(ctx, pub, tp, fmt.Sprint("before ", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		if m := c.next(t); string(m.Data) != fmt.Sprint("before ", i) {
			t.Fatalf("got %q", m.Data)
		}
	}

	s.Stop()
	// Once the client has noticed, Publish fails at once.
	var perr error
	waitFor(t, 5*time.Second, "publish error during the outage", func() bool {
		perr = channels.Publish(ctx, pub, tp, "during")
		return perr != nil
	})
	if !errors.Is(perr, nats.ErrReconnectBufExceeded) {
		t.Errorf("publish during the outage: %v, want nats.ErrReconnectBufExceeded", perr)
	}
	start := time.Now()
	for range 5 {
		if err := channels.Publish(ctx, pub, tp, "during"); err == nil {
			t.Fatal("publish during the outage succeeded")
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("failing publishes took %v; they should fail at once", d)
	}
	// A Subscribe during the outage fails after its timeout rather than
	// claim a subscription the server does not have... unless the server
	// comes back in time; keep it short here.
	sctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	other := newChanSub(1)
	if err := sub.Subscribe(sctx, "room:other", other); err == nil {
		t.Error("subscribe during the outage succeeded")
	}
	cancel()
	if n := sub.ChannelCount(); n != 1 {
		t.Errorf("after a failed subscribe: %d topics, want 1", n)
	}

	time.Sleep(500 * time.Millisecond)
	s.Start()
	restarted := time.Now()
	var resumed time.Duration
	for i := 0; ; i++ {
		if time.Since(restarted) > 10*time.Second {
			t.Fatal("no delivery within 10 s of the server restarting")
		}
		channels.Publish(ctx, pub, tp, fmt.Sprint("after ", i))
		m, ok := c.wait(50 * time.Millisecond)
		if !ok {
			continue
		}
		if !strings.HasPrefix(string(m.Data), "after ") {
			t.Fatalf("got %q: a message published during the outage arrived", m.Data)
		}
		resumed = time.Since(restarted)
		break
	}
	t.Logf("delivery resumed %v after the restart; reconnects: publisher %d, receiver %d", resumed, pub.Reconnects(), sub.Reconnects())
	if pub.Reconnects() < 1 || sub.Reconnects() < 1 {
		t.Errorf("reconnects: %d, %d", pub.Reconnects(), sub.Reconnects())
	}
	// In order, once each, after the restart.
	for i := range 100 {
		if err := channels.Publish(ctx, pub, tp, fmt.Sprint("seq ", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; {
		m := c.next(t)
		if strings.HasPrefix(string(m.Data), "after ") {
			continue // the tail of the probes
		}
		if string(m.Data) != fmt.Sprint("seq ", i) {
			t.Fatalf("got %q, want seq %d", m.Data, i)
		}
		i++
	}
	c.empty(t)
}
