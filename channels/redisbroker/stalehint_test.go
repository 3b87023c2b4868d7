package redisbroker_test

import (
	"context"
	"testing"

	"github.com/nexogo/nexo/channels"
)

// TestStaleRunHintStartsNewEpoch: a publish that still holds the run_id of
// the server before its restart (it read the hint, then go-redis dialled
// the restarted server, or retried on it) reaches a server that reloaded a
// snapshot whose epoch names that same run_id. The epoch must still be a
// new one: continuing the old one would hand out offsets that clients have
// already seen beyond.
func TestStaleRunHintStartsNewEpoch(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	b := f.withHistory(t, channels.HistoryPolicy{Pattern: "room:*"})
	const tp = "room:stale"
	ctx := context.Background()
	sub := make(chanSub, 64)
	if err := b.Subscribe(ctx, tp, sub); err != nil {
		t.Fatal(err)
	}
	publish := func(i int) error {
		m, err := channels.NewMessage(tp, i)
		if err != nil {
			t.Fatal(err)
		}
		return b.Publish(ctx, tp, m)
	}
	for i := range 3 {
		if err := publish(i); err != nil {
			t.Fatal(err)
		}
	}
	var before channels.Position
	for range 3 {
		before = sub.next(t).Pos
	}
	old := b.RunHint()
	if old == "" {
		t.Fatal("the broker learnt no run_id")
	}
	save(t, s.URL())
	s.Stop()
	s.Start()
	// Publish until the restarted server takes it, each time with the
	// previous server's run_id as the hint.
	for i := 0; ; i++ {
		b.SetRunHint(old)
		if publish(100+i) == nil {
			break
		}
		if i == 200 {
			t.Fatal("no publish reached the restarted server")
		}
	}
	for {
		m := sub.next(t)
		if m.Pos.Epoch == before.Epoch {
			t.Fatalf("after the restart, %v continues the epoch of %v (offsets already seen would be handed out again)", m.Pos, before)
		}
		if m.Pos.Epoch != "" {
			return
		}
	}
}
