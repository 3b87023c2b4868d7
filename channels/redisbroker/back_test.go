package redisbroker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// TestBackDuringReapKeepsMembers: an instance away longer than its lease
// (a network partition, a paused VM) comes back while another instance
// is deleting its entries, found without a lease a moment before. Once
// the first has taken its lease again and written its entries back, they
// must stay: its members are connected. The other instance's deletes,
// decided on the lease it saw missing, used to go on, and the entries
// they removed after the rewrite were gone for good (the lease, renewed,
// is never found missing again).
func TestBackDuringReapKeepsMembers(t *testing.T) {
	url := requireRedis(t)
	// A lease long enough that neither instance's own renewal or reap
	// comes during the test.
	f := newFactory(t, url, redisbroker.WithLease(time.Minute))
	a, b := f.New(t), f.New(t)
	ctx := context.Background()
	const topic, n = "room:back", 2000
	for i := range n {
		if err := a.Presence().Join(ctx, topic, channels.PresenceEntry{ConnID: fmt.Sprint("c", i), UserID: fmt.Sprint("u", i)}); err != nil {
			t.Fatal(err)
		}
	}
	opt, _ := redis.ParseURL(url)
	rc := redis.NewClient(opt)
	defer rc.Close()
	// a's lease expires (a is away).
	if err := rc.Del(ctx, redisbroker.LeaseKey(a)).Err(); err != nil {
		t.Fatal(err)
	}
	// b lists the room: a's entries have no lease, b deletes them one
	// by one. Once it has begun (it has seen the lease missing), a comes
	// back.
	listed := make(chan error, 1)
	go func() {
		_, err := b.Presence().List(ctx, topic)
		listed <- err
	}()
	hash := redisbroker.PresenceKey(a, topic)
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, err := rc.HLen(ctx, hash).Result()
		if err != nil {
			t.Fatal(err)
		}
		if left < n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("b deleted none of a's entries within 10 s")
		}
	}
	if err := redisbroker.Renew(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := <-listed; err != nil {
		t.Fatal(err)
	}
	es, err := b.Presence().List(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != n {
		t.Fatalf("b lists %d of a's %d members once a is back: the others are connected but gone from presence", len(es), n)
	}
}
