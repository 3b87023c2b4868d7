package redisbroker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/ws"
)

func TestOpenFailsLoudly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A port nothing listens on.
	_, err := redisbroker.Open(ctx, "redis://user:secret@127.0.0.1:1", redisbroker.WithLogger(quiet(t)))
	if err == nil || !strings.Contains(err.Error(), "ping") {
		t.Fatalf("Open on a closed port: %v, want a ping error", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if _, err := redisbroker.Open(ctx, "http://127.0.0.1:6379"); err == nil {
		t.Fatal("Open accepted an http:// URL")
	}
	if _, err := redisbroker.Open(ctx, servicetest.RedisURL(), redisbroker.WithLease(time.Millisecond)); err == nil {
		t.Fatal("Open accepted a 1 ms lease")
	}
}

// TestOpenMistypedURLHidesPassword: a URL with a typo that url.Parse
// reads as a path, or cannot parse at all, is refused without a dial and
// without its password in the error, which nexo.New logs.
func TestOpenMistypedURLHidesPassword(t *testing.T) {
	for _, url := range []string{
		"redis//:secret@127.0.0.1:1",        // the colon forgotten: a path
		"redis:/:secret@127.0.0.1:1",        // a slash forgotten
		"redis://:secret%zz@127.0.0.1:1",    // a bad escape: url.Parse fails
		"redis://u:secret@127.0.0.1:1/x?y=", // well formed, a bad database
	} {
		t.Run(url, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			b, err := redisbroker.Open(ctx, url, redisbroker.WithLogger(quiet(t)))
			if err == nil {
				b.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), "127.0.0.1:1") {
				t.Errorf("the error does not name the server: %v", err)
			}
		})
	}
}

// numsub asks the server how many connections subscribe channel.
func numsub(t *testing.T, url, channel string) int64 {
	t.Helper()
	opt, _ := redis.ParseURL(url)
	rc := redis.NewClient(opt)
	defer rc.Close()
	n, err := rc.PubSubNumSub(context.Background(), channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n[channel]
}

// TestOneSubscriptionPerTopic: however many local subscribers, the server
// sees one subscribing connection per topic, until the last one leaves.
func TestOneSubscriptionPerTopic(t *testing.T) {
	url := requireRedis(t)
	f := newFactory(t, url)
	b := f.New(t)
	ctx := context.Background()
	subs := []chanSub{make(chanSub, 4), make(chanSub, 4), make(chanSub, 4)}
	for _, s := range subs {
		if err := b.Subscribe(ctx, "room", s); err != nil {
			t.Fatal(err)
		}
	}
	if n := numsub(t, url, b.Channel("room")); n != 1 {
		t.Fatalf("server sees %d subscriptions of the topic, want 1", n)
	}
	if err := channels.Publish(ctx, b, "room", "hi"); err != nil {
		t.Fatal(err)
	}
	for i, s := range subs {
		if m := s.next(t); string(m.Data) != "hi" || m.Type != ws.TextMessage {
			t.Fatalf("subscriber %d got %q", i, m.Data)
		}
	}
	for _, s := range subs[:2] {
		b.Unsubscribe(ctx, "room", s)
	}
	if n := numsub(t, url, b.Channel("room")); n != 1 || b.ChannelCount() != 1 {
		t.Fatalf("after two of three left: server %d, ChannelCount %d; want 1, 1", n, b.ChannelCount())
	}
	b.Unsubscribe(ctx, "room", subs[2])
	// UNSUBSCRIBE is not awaited: poll the server.
	waitFor(t, 5*time.Second, "unsubscribe on the server", func() bool { return numsub(t, url, b.Channel("room")) == 0 })
	if b.ChannelCount() != 0 || len(b.Topics()) != 0 {
		t.Fatalf("ChannelCount %d, Topics %v after everyone left", b.ChannelCount(), b.Topics())
	}
}

// TestPublishDuringOutage: with the server stopped, Publish fails at once
// and Ping reports it; once the server is back, the subscriptions are
// restored without user code and Publish works again.
func TestPublishDuringOutage(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	pub, sub := f.New(t), f.New(t)
	ctx := context.Background()
	got := make(chanSub, 16)
	if err := sub.Subscribe(ctx, "news", got); err != nil {
		t.Fatal(err)
	}
	before := sub.Reconnects()
	s.Stop()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := channels.Publish(pctx, pub, "news", "lost?"); err == nil {
		t.Fatal("Publish returned nil while the server was down")
	}
	if err := pub.Ping(pctx); err == nil {
		t.Fatal("Ping returned nil while the server was down")
	}
	s.Start()
	waitFor(t, 10*time.Second, "reconnect", func() bool { return sub.Reconnects() > before })
	if err := pub.Ping(ctx); err != nil {
		t.Fatalf("Ping after the restart: %v", err)
	}
	if err := channels.Publish(ctx, pub, "news", "back"); err != nil {
		t.Fatal(err)
	}
	if m := got.next(t); string(m.Data) != "back" {
		t.Fatalf("got %q, want \"back\" (and nothing of the outage)", m.Data)
	}
}

// TestHalfOpenConnectionReplaced: a subscription connection that goes
// silent (its reads hang, as on a half-open TCP connection) is pinged,
// found dead and replaced; messages flow again.
func TestHalfOpenConnectionReplaced(t *testing.T) {
	url := requireRedis(t)
	f := newFactory(t, url, redisbroker.WithIdle(100*time.Millisecond))
	pub := f.New(t)
	sub := f.New(t)
	ctx := context.Background()
	got := make(chanSub, 16)
	if err := sub.Subscribe(ctx, "t", got); err != nil {
		t.Fatal(err)
	}
	before := sub.Reconnects()
	f.dialerOf(sub).Freeze()
	waitFor(t, 10*time.Second, "replacement", func() bool { return sub.Reconnects() > before })
	// The new connection's SUBSCRIBE was sent before Reconnects moved;
	// publish until one arrives, then check nothing is duplicated.
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		if err := channels.Publish(ctx, pub, "t", i); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-got:
			if string(m.Data) != fmt.Sprint(i) {
				t.Fatalf("got %q after publishing %d", m.Data, i)
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery after the connection was replaced")
		}
	}
}

// TestMalformedMessageDropped: a foreign PUBLISH on the broker's channel
// is dropped; the next message arrives.
func TestMalformedMessageDropped(t *testing.T) {
	url := requireRedis(t)
	f := newFactory(t, url)
	b := f.New(t)
	ctx := context.Background()
	got := make(chanSub, 4)
	if err := b.Subscribe(ctx, "t", got); err != nil {
		t.Fatal(err)
	}
	if err := b.Client().Publish(ctx, b.Channel("t"), "\xff not a nexo message").Err(); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, b, "t", "ok"); err != nil {
		t.Fatal(err)
	}
	if m := got.next(t); string(m.Data) != "ok" {
		t.Fatalf("got %q", m.Data)
	}
}

// TestPresenceSurvivesServerRestart: a server restarted empty loses the
// presence hash; the instance's lease renewal writes its entries again.
func TestPresenceSurvivesServerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL(), redisbroker.WithLease(600*time.Millisecond))
	b := f.New(t)
	ctx := context.Background()
	if err := b.Presence().Join(ctx, "room", channels.PresenceEntry{ConnID: "c1", UserID: "ada"}); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s.Start()
	waitFor(t, 10*time.Second, "presence rewritten", func() bool {
		l, err := b.Presence().List(ctx, "room")
		return err == nil && len(l) == 1 && l[0].UserID == "ada"
	})
}

// TestReapForgetsEmptyTopics: the set of topics with presence, which every
// instance walks every half lease, loses a topic once its last entry is
// gone, and keeps one that still has entries.
func TestReapForgetsEmptyTopics(t *testing.T) {
	f := newFactory(t, requireRedis(t))
	b := f.New(t)
	ctx := context.Background()
	p := b.Presence()
	for _, tp := range []string{"room:a", "room:b"} {
		if err := p.Join(ctx, tp, channels.PresenceEntry{ConnID: "c-" + tp, JoinedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	key := redisbroker.PresenceTopicsKey(b)
	if n := b.Client().SCard(ctx, key).Val(); n != 2 {
		t.Fatalf("%d topics in %s, want 2", n, key)
	}
	if err := p.Leave(ctx, "room:a", "c-room:a"); err != nil {
		t.Fatal(err)
	}
	if err := redisbroker.Reap(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := b.Client().SMembers(ctx, key).Val(); len(got) != 1 || got[0] != "room:b" {
		t.Fatalf("after room:a emptied: %v, want [room:b]", got)
	}
}
