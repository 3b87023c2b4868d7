package brokertest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
)

// PresenceOptions describe the presence checks of RunPresence.
type PresenceOptions struct {
	// Crash, when set, stops b as a crashed process would: no Leave, no
	// clean shutdown, its lease no longer renewed.
	Crash func(t *testing.T, b channels.PresenceBroker)
	// Lease is the presence lease of the brokers under test: a crashed
	// instance's entries must be gone within it (plus Timeout).
	Lease time.Duration
	// Timeout bounds each wait (default 5 s).
	Timeout time.Duration
}

// PresenceFactory returns a new PresenceBroker, like Factory.
type PresenceFactory func(t *testing.T) channels.PresenceBroker

// RunPresence checks a PresenceBroker's presence: entries listed on every
// instance, join and leave events, and no ghost entries after a crash.
func RunPresence(t *testing.T, newBroker PresenceFactory, opts PresenceOptions) {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	ctx := context.Background()
	t.Run("JoinListLeave", func(t *testing.T) {
		b1, b2 := newBroker(t), newBroker(t)
		tp := topic(t, "room")
		events := NewCollector(8)
		subscribe(t, b2, channels.PresenceTopic(tp), events)

		e := channels.PresenceEntry{ConnID: "c1", UserID: "ada", Meta: map[string]any{"role": "admin"}, JoinedAt: time.Now().UTC()}
		if err := b1.Presence().Join(ctx, tp, e); err != nil {
			t.Fatal(err)
		}
		if err := b2.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "c2", UserID: "bob", JoinedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
		for _, b := range []channels.PresenceBroker{b1, b2} {
			got, err := b.Presence().List(ctx, tp)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].UserID != "ada" || got[1].UserID != "bob" || got[0].Meta["role"] != "admin" {
				t.Fatalf("list: %+v", got)
			}
		}
		if err := b1.Presence().Leave(ctx, tp, "c1"); err != nil {
			t.Fatal(err)
		}
		got, _ := b2.Presence().List(ctx, tp)
		if len(got) != 1 || got[0].ConnID != "c2" {
			t.Fatalf("after leave: %+v", got)
		}
		events.Empty(t) // the Presence store itself announces nothing
	})
	t.Run("ListsInJoinOrder", func(t *testing.T) {
		// Two instances, each with a clock of its own: b's instance read
		// its clock first and stored its entry second. A page that listed
		// the topic between the two writes saw a alone and kept its name,
		// so List must put a first for every later reader too: the order
		// is the store's, not the join times'. A second Join of a
		// connection (a rename) keeps its place.
		b1, b2 := newBroker(t), newBroker(t)
		tp := topic(t, "order")
		t0 := time.Now().UTC()
		if err := b1.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "a", UserID: "ada", JoinedAt: t0.Add(time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		if err := b2.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "b", UserID: "ada", JoinedAt: t0}); err != nil {
			t.Fatal(err)
		}
		order := func(want ...string) {
			t.Helper()
			for _, b := range []channels.PresenceBroker{b1, b2} {
				got, err := b.Presence().List(ctx, tp)
				if err != nil {
					t.Fatal(err)
				}
				ids := make([]string, len(got))
				for i, e := range got {
					ids[i] = e.ConnID + "=" + e.UserID
				}
				if fmt.Sprint(ids) != fmt.Sprint(want) {
					t.Fatalf("List = %v, want %v (the order the entries were stored in)", ids, want)
				}
			}
		}
		order("a=ada", "b=ada")
		if err := b2.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "b", UserID: "ada (2)", JoinedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := b1.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "a", UserID: "ada", Meta: map[string]any{"away": true}, JoinedAt: t0.Add(time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		order("a=ada", "b=ada (2)")
		if err := b1.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "c", UserID: "cy", JoinedAt: t0.Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		order("a=ada", "b=ada (2)", "c=cy")
		if err := b1.Presence().Leave(ctx, tp, "a"); err != nil {
			t.Fatal(err)
		}
		order("b=ada (2)", "c=cy")
	})
	t.Run("Events", func(t *testing.T) {
		b := newBroker(t)
		tp := topic(t, "room")
		got := make(chan channels.PresenceEvent, 4)
		stop, err := channels.WatchPresence(ctx, b, tp, func(ev channels.PresenceEvent) { got <- ev })
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		data, _ := json.Marshal(channels.PresenceEvent{Type: "presence", Event: "join", Topic: tp, Entry: channels.PresenceEntry{ConnID: "c1"}})
		if err := b.Publish(ctx, channels.PresenceTopic(tp), &channels.Message{Type: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-got:
			if ev.Event != "join" || ev.Entry.ConnID != "c1" {
				t.Fatalf("event %+v", ev)
			}
		case <-time.After(opts.Timeout):
			t.Fatal("no presence event")
		}
	})
	if opts.Crash != nil {
		t.Run("LeaveAnnouncedAfterCrash", func(t *testing.T) {
			// Nobody lists: the surviving instances find the dead
			// entries by themselves, and one of them announces each
			// leave, once.
			live1, live2, dead := newBroker(t), newBroker(t), newBroker(t)
			tp := topic(t, "room")
			got := make(chan channels.PresenceEvent, 8)
			stop, err := channels.WatchPresence(ctx, live1, tp, func(ev channels.PresenceEvent) { got <- ev })
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			live2.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "alive", JoinedAt: time.Now().UTC()})
			dead.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "ghost", UserID: "casper", JoinedAt: time.Now().UTC()})
			opts.Crash(t, dead)
			crashed := time.Now()
			select {
			case ev := <-got:
				if ev.Event != "leave" || ev.Topic != tp || ev.Entry.ConnID != "ghost" || ev.Entry.UserID != "casper" {
					t.Fatalf("event %+v, want the ghost's leave", ev)
				}
				t.Logf("leave announced %v after the crash (lease %v)", time.Since(crashed).Round(time.Millisecond), opts.Lease)
			case <-time.After(2*opts.Lease + opts.Timeout):
				t.Fatalf("no leave event within %v of the crash", 2*opts.Lease+opts.Timeout)
			}
			// Once: after another lease, in which both survivors
			// looked again, the next event is ours.
			time.Sleep(opts.Lease) // the survivors' periodic checks: no event marks them
			data, _ := json.Marshal(channels.PresenceEvent{Type: "presence", Event: "join", Topic: tp, Entry: channels.PresenceEntry{ConnID: "marker"}})
			if err := live2.Publish(ctx, channels.PresenceTopic(tp), &channels.Message{Type: 1, Data: data}); err != nil {
				t.Fatal(err)
			}
			select {
			case ev := <-got:
				if ev.Entry.ConnID != "marker" {
					t.Fatalf("event %+v after the leave, want the marker: a leave announced twice?", ev)
				}
			case <-time.After(opts.Timeout):
				t.Fatal("no marker event")
			}
			if es, _ := live1.Presence().List(ctx, tp); len(es) != 1 || es[0].ConnID != "alive" {
				t.Fatalf("after the crash: %+v", es)
			}
		})
		t.Run("NoGhostsAfterCrash", func(t *testing.T) {
			live, dead := newBroker(t), newBroker(t)
			tp := topic(t, "room")
			live.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "alive", JoinedAt: time.Now().UTC()})
			dead.Presence().Join(ctx, tp, channels.PresenceEntry{ConnID: "ghost", JoinedAt: time.Now().UTC()})
			if got, _ := live.Presence().List(ctx, tp); len(got) != 2 {
				t.Fatalf("before crash: %+v", got)
			}
			opts.Crash(t, dead)
			deadline := time.Now().Add(opts.Lease + opts.Timeout)
			for {
				got, err := live.Presence().List(ctx, tp)
				if err == nil && len(got) == 1 && got[0].ConnID == "alive" {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("ghost still listed %v after the crash: %+v (%v)", opts.Lease+opts.Timeout, got, err)
				}
				time.Sleep(opts.Lease / 10) // polling the store; no event exists for a crash
			}
		})
	}
}
