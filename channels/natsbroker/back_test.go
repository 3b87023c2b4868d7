package natsbroker_test

import (
	"context"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// TestBackAfterLeaseAnnouncesJoin: an instance away longer than its lease
// (a network partition, a paused VM) has its members dropped by another
// instance, which announces their leave; when it comes back and writes
// them again, their join is announced, so that pages on every instance,
// which removed them on the leave, list them again (as Redis does,
// TestRestartAnnouncesRewrittenJoins).
func TestBackAfterLeaseAnnouncesJoin(t *testing.T) {
	url := requireNATS(t)
	// A lease long enough that a's own renewal (every third) does not
	// come during the test: the test takes the lease away and back.
	f := newFactory(t, url, natsbroker.WithLease(time.Minute))
	a, b := f.New(t), f.New(t)
	ctx := context.Background()
	const topic = "room:back"
	events := make(chan channels.PresenceEvent, 8)
	stop, err := channels.WatchPresence(ctx, b, topic, func(ev channels.PresenceEvent) { events <- ev })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	next := func(want string) {
		t.Helper()
		select {
		case ev := <-events:
			if ev.Event != want || ev.Entry.ConnID != "a1" || ev.Entry.UserID != "ada" {
				t.Fatalf("event %+v, want ada's %s", ev, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event for ada within 10 s", want)
		}
	}
	if err := a.Presence().Join(ctx, topic, channels.PresenceEntry{ConnID: "a1", UserID: "ada"}); err != nil {
		t.Fatal(err)
	}
	if err := natsbroker.DropLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := connIDs(b, topic); len(got) != 0 {
		t.Fatalf("b lists %q while a has no lease, want nobody", got)
	}
	next("leave") // b dropped ada's entry, and said so
	if err := natsbroker.RetakeLease(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := connIDs(b, topic); len(got) != 1 || got[0] != "a1" {
		t.Fatalf("b lists %q once a is back, want [a1]", got)
	}
	next("join")
}
