package natsbroker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/internal/servicetest"
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

// Settings of the ghost tests. The lease outlasts the outage the tests
// make (a stop, a start and the reconnect): with 1.5 s, a loaded CI machine
// took longer than a lease to bring the server back, so the member who
// stayed expired and was announced as leaving before the leave under test.
const (
	ghostLease = 3 * time.Second
	ghostTopic = "room:ghost"
)

// ghostPair starts a server of the test's own and two brokers on it with
// a short lease; a member "stays" joined ghostTopic on a.
func ghostPair(t *testing.T) (s *servicetest.Server, a, b *natsbroker.Broker) {
	s = ownServer(t)
	f := newFactory(t, s.URL(), natsbroker.WithLease(ghostLease))
	a, b = f.New(t), f.New(t)
	if err := a.Presence().Join(context.Background(), ghostTopic, channels.PresenceEntry{ConnID: "stays", UserID: "stays"}); err != nil {
		t.Fatal(err)
	}
	return s, a, b
}

// TestLeaveDuringOutageLeavesNoGhost: a member leaves while the server is
// away, so its entry cannot be removed then. Once the server is back, the
// leave is retried: within one lease the entry is gone for every
// instance, its leave is announced, and the member who stayed is still
// listed.
func TestLeaveDuringOutageLeavesNoGhost(t *testing.T) {
	s, a, b := ghostPair(t)
	ctx := context.Background()
	if err := a.Presence().Join(ctx, ghostTopic, channels.PresenceEntry{ConnID: "leaves", UserID: "leaves"}); err != nil {
		t.Fatal(err)
	}
	events := make(chan channels.PresenceEvent, 16)
	stop, err := channels.WatchPresence(ctx, b, ghostTopic, func(ev channels.PresenceEvent) { events <- ev })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	s.Stop()
	waitFor(t, 5*time.Second, "disconnection", func() bool { return !a.Conn().IsConnected() })
	if err := a.Presence().Leave(ctx, ghostTopic, "leaves"); err == nil {
		t.Fatal("leave during the outage succeeded")
	}
	s.Start()
	back := time.Now()
	waitFor(t, 5*time.Second, "reconnection", func() bool { return a.Conn().IsConnected() && b.Conn().IsConnected() })
	deadline := back.Add(ghostLease + time.Second) // one lease, and a reconnect backoff
	for {
		ids := connIDs(b, ghostTopic)
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
	s, a, b := ghostPair(t)
	ctx := context.Background()
	s.Pause()
	jctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := a.Presence().Join(jctx, ghostTopic, channels.PresenceEntry{ConnID: "late"})
	cancel()
	if err == nil {
		t.Fatal("join to a frozen server succeeded")
	}
	s.Resume()
	back := time.Now()
	deadline := back.Add(ghostLease)
	for {
		ids := connIDs(b, ghostTopic)
		if slices.Equal(ids, []string{"stays"}) && time.Since(back) > ghostLease/2 {
			break // and it stayed so past the server's catching up
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the server resumed, presence is %v; want [stays]", time.Since(back).Round(time.Millisecond), ids)
		}
		time.Sleep(20 * time.Millisecond) // polling the listing: no event tells of a purge
	}
}
