package redisbroker_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// BenchmarkPublishParallel: many goroutines publish at once, as the
// connections of a busy instance do, and one subscriber on another
// instance receives everything.
func BenchmarkPublishParallel(b *testing.B) {
	url := requireRedis(b)
	ctx := context.Background()
	prefix := fmt.Sprintf("nexobench%d:", time.Now().UnixNano())
	pub, err := redisbroker.Open(ctx, url, redisbroker.WithPrefix(prefix), redisbroker.WithLogger(quiet(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	sub, err := redisbroker.Open(ctx, url, redisbroker.WithPrefix(prefix), redisbroker.WithLogger(quiet(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	var got atomic.Int64
	done := make(chan struct{})
	want := int64(b.N)
	f := channels.SubscriberFunc(func(*channels.Message) {
		if got.Add(1) == want {
			close(done)
		}
	})
	if err := sub.Subscribe(ctx, "bench", &f); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8) // 16 publishers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(p *testing.PB) {
		for p.Next() {
			m := &channels.Message{Type: 2, Data: make([]byte, 64)}
			if err := pub.Publish(ctx, "bench", m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		b.Fatalf("delivered %d of %d", got.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
