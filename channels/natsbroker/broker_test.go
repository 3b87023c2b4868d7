package natsbroker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

func TestWrongURLFailsAtNew(t *testing.T) {
	for _, url := range []string{
		"nats://127.0.0.1:1",             // nothing listens
		"nats://user:secret@127.0.0.1:1", // and the password stays out of the error
		"not a url at all",
		"nats://user:secret%zz@127.0.0.1:1", // url.Parse fails: the password stays out too
	} {
		t.Run(url, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			b, err := natsbroker.Open(ctx, url, natsbroker.WithLogger(quiet(t)))
			if err == nil {
				b.Close()
				t.Fatal("Open succeeded")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("failing took %v", d)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
			t.Log(err)
		})
	}
}

func TestLeaseBelowMinimum(t *testing.T) {
	_, err := natsbroker.New(context.Background(), natsbroker.WithLease(10*time.Millisecond))
	if err == nil {
		t.Fatal("New accepted a 10 ms lease")
	}
}

func TestCloseIdempotent(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	b := f.New(t)
	ctx := context.Background()
	s := newChanSub(1)
	if err := b.Subscribe(ctx, "a", s); err != nil {
		t.Fatal(err)
	}
	if err := b.Presence().Join(ctx, "a", channels.PresenceEntry{ConnID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if !b.Conn().IsClosed() {
		t.Error("Close left its own connection open")
	}
	for name, err := range map[string]error{
		"Subscribe": b.Subscribe(ctx, "a", s),
		"Publish":   channels.Publish(ctx, b, "a", "x"),
		"Join":      b.Presence().Join(ctx, "a", channels.PresenceEntry{ConnID: "c2"}),
		"Leave":     b.Presence().Leave(ctx, "a", "c1"),
		"List":      func() error { _, err := b.Presence().List(ctx, "a"); return err }(),
	} {
		if !errors.Is(err, channels.ErrBrokerClosed) {
			t.Errorf("%s after Close: %v, want ErrBrokerClosed", name, err)
		}
	}
	if err := b.Unsubscribe(ctx, "a", s); err != nil {
		t.Errorf("Unsubscribe after Close: %v", err)
	}
	// Close removed this instance's entry.
	other := f.New(t)
	if got, err := other.Presence().List(ctx, "a"); err != nil || len(got) != 0 {
		t.Errorf("after Close: %+v, %v", got, err)
	}
}

func TestWithConnLeavesConnOpen(t *testing.T) {
	url := requireNATS(t)
	nc, err := nats.Connect(url, nats.ReconnectBufSize(-1), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	prefix := runPrefix(t, url)
	b, err := natsbroker.New(context.Background(), natsbroker.WithConn(nc), natsbroker.WithPrefix(prefix), natsbroker.WithLogger(quiet(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := nc.NumSubscriptions() // JetStream's reply inbox
	s := newChanSub(4)
	if err := b.Subscribe(ctx, "a", s); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, b, "a", "x"); err != nil {
		t.Fatal(err)
	}
	s.next(t)
	if n := nc.NumSubscriptions() - base; n != 1 {
		t.Errorf("%d subscriptions, want 1", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !nc.IsConnected() {
		t.Error("Close closed the caller's connection")
	}
	if n := nc.NumSubscriptions() - base; n != 0 {
		t.Errorf("%d subscriptions left after Close", n)
	}
}

// TestOneSubscriptionPerTopic: however many local subscribers, one NATS
// subscription per topic, gone with the last.
func TestOneSubscriptionPerTopic(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	b := f.New(t)
	ctx := context.Background()
	base := b.Conn().NumSubscriptions() // JetStream's reply inbox
	subs := []chanSub{newChanSub(4), newChanSub(4), newChanSub(4)}
	for _, s := range subs {
		if err := b.Subscribe(ctx, "room:1", s); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.Conn().NumSubscriptions() - base; n != 1 {
		t.Fatalf("%d NATS subscriptions for one topic, want 1", n)
	}
	if err := channels.Publish(ctx, b, "room:1", "x"); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		s.next(t)
	}
	for _, s := range subs {
		b.Unsubscribe(ctx, "room:1", s)
	}
	if n := b.Conn().NumSubscriptions() - base; n != 0 {
		t.Fatalf("%d NATS subscriptions after the last left", n)
	}
}

// TestTopicsWithAnyCharacters: wildcards, dots, spaces and the empty topic
// are plain topics, each with its own subject.
func TestTopicsWithAnyCharacters(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	b := f.New(t)
	ctx := context.Background()
	topics := []string{"", "*", ">", "a.b", "a.*", "a b", "room:1", "ünï", "a..b", "$SYS"}
	subs := map[string]chanSub{}
	for _, tp := range topics {
		subs[tp] = newChanSub(len(topics))
		if err := b.Subscribe(ctx, tp, subs[tp]); err != nil {
			t.Fatalf("%q: %v", tp, err)
		}
	}
	for _, tp := range topics {
		if err := channels.Publish(ctx, b, tp, tp); err != nil {
			t.Fatalf("%q: %v", tp, err)
		}
	}
	for _, tp := range topics {
		if m := subs[tp].next(t); string(m.Data) != tp || m.Topic != tp {
			t.Errorf("%q got %q on %q", tp, m.Data, m.Topic)
		}
	}
	time.Sleep(50 * time.Millisecond)
	for _, tp := range topics {
		subs[tp].empty(t)
	}
}

// TestNoJetStream: a server without JetStream carries messages; presence
// says it cannot work.
func TestNoJetStream(t *testing.T) {
	s := ownServer(t, "-js=false")
	f := newFactory(t, s.URL())
	b := f.New(t)
	ctx := context.Background()
	c := newChanSub(1)
	if err := b.Subscribe(ctx, "a", c); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, b, "a", "x"); err != nil {
		t.Fatal(err)
	}
	c.next(t)
	if err := b.Presence().Join(ctx, "a", channels.PresenceEntry{ConnID: "c"}); !errors.Is(err, natsbroker.ErrNoJetStream) {
		t.Fatalf("Join: %v, want ErrNoJetStream", err)
	}
}

// TestLeaseTakenAgain: an instance away longer than its lease (its lease
// expired, and another instance dropped its entries) writes them again
// when it is back.
func TestLeaseTakenAgain(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL(), natsbroker.WithLease(time.Second))
	a, other := f.New(t), f.New(t)
	ctx := context.Background()
	if err := a.Presence().Join(ctx, "room", channels.PresenceEntry{ConnID: "a1", UserID: "ada"}); err != nil {
		t.Fatal(err)
	}
	// The lease expires while a cannot reach the server: simulate with a
	// server stop longer than the lease (MaxAge runs on message time).
	s.Stop()
	time.Sleep(1500 * time.Millisecond)
	s.Start()
	// Until a renews, other may see a's entry as dead and delete it; then
	// a writes it again within a third of the lease.
	waitFor(t, 10*time.Second, "a's entry listed again", func() bool {
		got, err := other.Presence().List(ctx, "room")
		return err == nil && len(got) == 1 && got[0].UserID == "ada"
	})
}

// TestLeaseBucketMismatch: an instance whose lease differs from the
// bucket's renews often enough for the shorter.
func TestLeaseBucketMismatch(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	f.opts = []natsbroker.Option{natsbroker.WithLease(time.Second)}
	f.New(t)
	f.opts = []natsbroker.Option{natsbroker.WithLease(30 * time.Second)}
	b := f.New(t)
	if d := natsbroker.RenewEvery(b); d != time.Second/3 {
		t.Fatalf("renews every %v, want %v", d, time.Second/3)
	}
}

// TestCrashLeavesNoGhostKeys: List deletes the entries of a crashed
// instance from the bucket, not only from its answer.
func TestCrashLeavesNoGhostKeys(t *testing.T) {
	url := requireNATS(t)
	f := newFactory(t, url, natsbroker.WithLease(time.Second))
	live, dead := f.New(t), f.New(t)
	ctx := context.Background()
	if err := dead.Presence().Join(ctx, "room:1", channels.PresenceEntry{ConnID: "ghost"}); err != nil {
		t.Fatal(err)
	}
	natsbroker.Crash(dead)
	waitFor(t, 5*time.Second, "ghost gone", func() bool {
		got, err := live.Presence().List(ctx, "room:1")
		return err == nil && len(got) == 0
	})
	js, err := jetstream.New(live.Conn())
	if err != nil {
		t.Fatal(err)
	}
	_, bucket, _ := natsbroker.NamesFor(f.prefix)
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, natsbroker.Token("room:1")+"."+natsbroker.Token("ghost")); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("ghost key: %v, %v", e, err)
	}
}

// TestResubscribeGetsNothingOld: a topic left and joined again at once
// delivers only what was published after the new Subscribe.
func TestResubscribeGetsNothingOld(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	pub, sub := f.New(t), f.New(t)
	ctx := context.Background()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			channels.Publish(ctx, pub, "flood", "old")
		}
	}()
	for range 20 {
		a := newChanSub(1 << 16)
		if err := sub.Subscribe(ctx, "flood", a); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		sub.Unsubscribe(ctx, "flood", a)
	}
	close(stop)
	<-done
	if err := pub.Conn().Flush(); err != nil { // every "old" is at the server
		t.Fatal(err)
	}
	b := newChanSub(16)
	if err := sub.Subscribe(ctx, "flood", b); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, pub, "flood", "new"); err != nil {
		t.Fatal(err)
	}
	if m := b.next(t); string(m.Data) != "new" {
		t.Fatalf("got %q first, want new", m.Data)
	}
}

func TestConfirmedPublish(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL(), natsbroker.WithConfirmedPublish())
	b := f.New(t)
	ctx := context.Background()
	c := newChanSub(4)
	if err := b.Subscribe(ctx, "a", c); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, b, "a", "x"); err != nil {
		t.Fatal(err)
	}
	c.next(t)
	s.Stop()
	waitFor(t, 5*time.Second, "publish error", func() bool { return channels.Publish(ctx, b, "a", "y") != nil })
}

// TestRestartSameIDNoGhosts: an instance that crashed and came back under
// the same ID does not keep its previous run's entries alive.
func TestRestartSameIDNoGhosts(t *testing.T) {
	f := newFactory(t, requireNATS(t), natsbroker.WithLease(time.Second), natsbroker.WithInstanceID("web-1"))
	old := f.New(t)
	ctx := context.Background()
	if err := old.Presence().Join(ctx, "room", channels.PresenceEntry{ConnID: "ghost"}); err != nil {
		t.Fatal(err)
	}
	natsbroker.Crash(old)
	again := f.New(t)
	if err := again.Presence().Join(ctx, "room", channels.PresenceEntry{ConnID: "new"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the previous run's entry gone", func() bool {
		got, err := again.Presence().List(ctx, "room")
		return err == nil && len(got) == 1 && got[0].ConnID == "new" && got[0].Instance == "web-1"
	})
}
