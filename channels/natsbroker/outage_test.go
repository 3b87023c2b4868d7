package natsbroker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// connIDs lists the connection IDs present in topic, as b sees them; nil
// when the listing fails.
func connIDs(b *natsbroker.Broker, topic string) []string {
	es, err := b.Presence().List(context.Background(), topic)
	if err != nil {
		return nil
	}
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.ConnID)
	}
	return ids
}

// TestLeaveDuringOutageLeavesNoGhost: a member leaves while the server is
// away, so its entry cannot be removed then. Once the server is back, the
// leave is retried: within one lease the entry is gone for every
// instance, its leave is announced, and the member who stayed is still
// listed.
func TestLeaveDuringOutageLeavesNoGhost(t *testing.T) {
	s := ownServer(t)
	const lease = 1500 * time.Millisecond
	f := newFactory(t, s.URL(), natsbroker.WithLease(lease))
	a, b := f.New(t), f.New(t)
	ctx := context.Background()
	const topic = "room:ghost"
	for _, id := range []string{"stays", "leaves"} {
		if err := a.Presence().Join(ctx, topic, channels.PresenceEntry{ConnID: id, UserID: id}); err != nil {
			t.Fatal(err)
		}
	}
	events := make(chan channels.PresenceEvent, 16)
	stop, err := channels.WatchPresence(ctx, b, topic, func(ev channels.PresenceEvent) { events <- ev })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	s.Stop()
	waitFor(t, 5*time.Second, "disconnection", func() bool { return !a.Conn().IsConnected() })
	if err := a.Presence().Leave(ctx, topic, "leaves"); err == nil {
		t.Fatal("leave during the outage succeeded")
	}
	s.Start()
	back := time.Now()
	waitFor(t, 5*time.Second, "reconnection", func() bool { return a.Conn().IsConnected() && b.Conn().IsConnected() })
	deadline := back.Add(lease + time.Second) // one lease, and a reconnect backoff
	for {
		ids := connIDs(b, topic)
		if slices.Equal(ids, []string{"stays"}) {
			t.Logf("the ghost went %v after the server returned", time.Since(back).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the server returned, presence is %v; want [stays]", time.Since(back).Round(time.Millisecond), ids)
		}
		time.Sleep(20 * time.Millisecond) // polling the listing: no event tells of a purge
	}
	select {
	case ev := <-events:
		if ev.Event != "leave" || ev.Entry.ConnID != "leaves" {
			t.Errorf("event %+v, want the leave of leaves", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("the retried leave was not announced")
	}
}

// TestTimedOutJoinLeavesNoGhost: a join whose write reaches a frozen
// server but whose answer does not come in time fails; the server then
// stores the entry all the same. It must not stay under the instance's
// live lease: within one lease of the server's return, nobody lists it.
func TestTimedOutJoinLeavesNoGhost(t *testing.T) {
	s := ownServer(t)
	const lease = 1500 * time.Millisecond
	f := newFactory(t, s.URL(), natsbroker.WithLease(lease))
	a, b := f.New(t), f.New(t)
	ctx := context.Background()
	const topic = "room:late"
	if err := a.Presence().Join(ctx, topic, channels.PresenceEntry{ConnID: "stays"}); err != nil {
		t.Fatal(err)
	}
	s.Pause()
	jctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := a.Presence().Join(jctx, topic, channels.PresenceEntry{ConnID: "late"})
	cancel()
	if err == nil {
		t.Fatal("join to a frozen server succeeded")
	}
	s.Resume()
	back := time.Now()
	deadline := back.Add(lease)
	for {
		ids := connIDs(b, topic)
		if slices.Equal(ids, []string{"stays"}) && time.Since(back) > lease/2 {
			break // and it stayed so past the server's catching up
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the server resumed, presence is %v; want [stays]", time.Since(back).Round(time.Millisecond), ids)
		}
		time.Sleep(20 * time.Millisecond) // polling the listing: no event tells of a purge
	}
}
