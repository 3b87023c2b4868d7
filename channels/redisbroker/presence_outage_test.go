package redisbroker_test

import (
	"context"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
)

// presenceLease is the lease of the presence outage tests.
const presenceLease = 600 * time.Millisecond

// listed reports whether b lists connID in topic.
func listed(ctx context.Context, b *redisbroker.Broker, topic, connID string) bool {
	es, err := b.Presence().List(ctx, topic)
	if err != nil {
		return false
	}
	for _, e := range es {
		if e.ConnID == connID {
			return true
		}
	}
	return false
}

// savedMember starts a server of the test's own with two instances, a
// and w, on it; a's member c1 joins "room", and the server saves its
// snapshot.
func savedMember(t *testing.T) (s *servicetest.Server, a, w *redisbroker.Broker) {
	s = ownServer(t)
	f := newFactory(t, s.URL(), redisbroker.WithLease(presenceLease))
	a, w = f.New(t), f.New(t)
	if err := a.Presence().Join(context.Background(), "room", channels.PresenceEntry{ConnID: "c1", UserID: "ada"}); err != nil {
		t.Fatal(err)
	}
	save(t, s.URL())
	return s, a, w
}

// TestFailedLeaveRetried: a member leaves while the server is down; the
// server comes back with its data (the member's entry included). The
// leave is retried until it succeeds: the member is not listed for ever.
func TestFailedLeaveRetried(t *testing.T) {
	s, a, w := savedMember(t)
	ctx := context.Background()
	s.Stop()
	if err := a.Presence().Leave(ctx, "room", "c1"); err == nil {
		t.Fatal("Leave returned nil while the server was down")
	}
	s.Start() // with c1's entry, from the snapshot
	waitFor(t, 5*presenceLease, "the failed leave done", func() bool {
		return w.Ping(ctx) == nil && !listed(ctx, w, "room", "c1") && !listed(ctx, a, "room", "c1")
	})
}

// TestRestartAnnouncesRewrittenJoins: the server restarts empty; the
// instance whose members were lost writes them again and announces their
// join, so that watchers who saw the presence empty meanwhile get them
// back.
func TestRestartAnnouncesRewrittenJoins(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL(), redisbroker.WithLease(presenceLease))
	a, w := f.New(t), f.New(t)
	ctx := context.Background()
	events := make(chan channels.PresenceEvent, 16)
	stop, err := channels.WatchPresence(ctx, w, "room", func(ev channels.PresenceEvent) { events <- ev })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := a.Presence().Join(ctx, "room", channels.PresenceEntry{ConnID: "c1", UserID: "ada"}); err != nil {
		t.Fatal(err)
	}
	// a cannot reach the server until the watcher's subscription is back.
	f.dialerOf(a).Block()
	before := w.Reconnects()
	s.Stop()
	s.Start()
	waitFor(t, 10*time.Second, "watcher reconnect", func() bool { return w.Reconnects() > before })
	f.dialerOf(a).Unblock()
	deadline := time.After(10 * presenceLease)
	for {
		select {
		case ev := <-events:
			if ev.Entry.ConnID == "c1" && ev.Event == "join" {
				return
			}
			t.Fatalf("unexpected event %+v", ev)
		case <-deadline:
			t.Fatal("no join announced for the member written again after the restart")
		}
	}
}

// TestRestartKeepsLiveMembers: the server restarts from a snapshot after
// an outage longer than the lease, so the live instance's lease is gone
// while its entries are back. Another instance's check for dead instances
// does not remove them (nor announce their leave): the live instance
// takes its lease again within a third of it.
func TestRestartKeepsLiveMembers(t *testing.T) {
	s, _, w := savedMember(t)
	ctx := context.Background()
	s.Stop()
	time.Sleep(2 * presenceLease) // the outage: the saved lease expires
	s.Start()
	// The pool's connections broke with the restart: retry until a pass
	// runs through.
	waitFor(t, 5*time.Second, "a check for dead instances", func() bool { return redisbroker.Reap(ctx, w) == nil })
	if ok, err := w.Client().HExists(ctx, redisbroker.PresenceKey(w, "room"), "c1").Result(); err != nil || !ok {
		t.Fatalf("a live member's entry was removed after the restart (%v)", err)
	}
	waitFor(t, 5*presenceLease, "the member listed", func() bool { return listed(ctx, w, "room", "c1") })
}
