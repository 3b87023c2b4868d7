package natsbroker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// streamExists reports whether the server has the named stream.
func streamExists(t *testing.T, js jetstream.JetStream, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// TestHistoryOfUnusedTopicsGoes: topics used once leave nothing on the
// server once their history's MaxAge has passed, while a topic with a
// subscriber keeps its stream; a topic used again after its stream went
// works as a new epoch.
func TestHistoryOfUnusedTopicsGoes(t *testing.T) {
	url := requireNATS(t)
	f := newFactory(t, url)
	const maxAge = time.Second
	p := channels.HistoryPolicy{Pattern: "once:*", MaxCount: 100, MaxAge: maxAge}
	pub := f.history(t, p).(*natsbroker.Broker)
	sub := f.history(t, p).(*natsbroker.Broker)
	ctx := context.Background()
	const kept = "once:kept"
	got := newChanSub(16)
	if err := sub.Subscribe(ctx, kept, got); err != nil {
		t.Fatal(err)
	}
	var used []string
	for i := range 20 {
		tp := fmt.Sprint("once:", i)
		used = append(used, tp)
		if err := channels.Publish(ctx, pub, tp, "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if err := channels.Publish(ctx, pub, kept, "first"); err != nil {
		t.Fatal(err)
	}
	first := got.next(t)

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(3 * maxAge) // MaxAge, then a sweep or two
	for _, tp := range used {
		for streamExists(t, js, pub.StreamName(tp)) {
			if time.Now().After(deadline) {
				t.Fatalf("%v after the last publish, the stream of %q is still there", time.Since(start).Round(time.Millisecond), tp)
			}
			time.Sleep(50 * time.Millisecond) // polling the server: nothing announces a deletion
		}
	}
	t.Logf("the streams of 20 topics used once went %v after their last message (MaxAge %v)", time.Since(start).Round(time.Millisecond), maxAge)
	if !streamExists(t, js, pub.StreamName(kept)) {
		t.Fatal("the stream of a topic with a subscriber went")
	}
	if err := channels.Publish(ctx, pub, kept, "second"); err != nil {
		t.Fatal(err)
	}
	if m := got.next(t); m.Pos.Epoch != first.Pos.Epoch || m.Pos.Offset != 2 {
		t.Fatalf("the kept topic: %v after %v", m.Pos, first.Pos)
	}
	// A topic used again: a new stream, and its subscriber hears it.
	again := newChanSub(4)
	if err := sub.Subscribe(ctx, used[0], again); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, pub, used[0], "again"); err != nil {
		t.Fatal(err)
	}
	if m := again.next(t); string(m.Data) != "again" || m.Pos.Offset != 1 {
		t.Fatalf("a topic used again: %q at %v", m.Data, m.Pos)
	}
}
