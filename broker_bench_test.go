package nexo_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
)

// BenchmarkBrokerDelivery measures publish-to-delivery through each broker
// in one run: messages per second and p50/p99 latency from Publish to
// Deliver, with the publisher and the subscriber on different broker
// instances where the broker spans instances.
func BenchmarkBrokerDelivery(b *testing.B) {
	kinds := append([]brokerKind{{"memory", nil, nil}}, brokerKinds...)
	for _, kind := range kinds {
		b.Run(kind.name, func(b *testing.B) {
			var pub, sub channels.Broker
			if kind.open == nil {
				m := channels.NewMemoryBroker()
				pub, sub = m, m
			} else {
				kind.require(b)
				prefix := fmt.Sprintf("nexobench%d", time.Now().UnixNano())
				pub, sub = kind.open(b, prefix), kind.open(b, prefix)
			}
			b.Run("flood", func(b *testing.B) { benchDelivery(b, pub, sub, 0) })
			// One message per 200 µs tick (the ticker drops ticks: about
			// 1,000-2,000 msgs/s here): the latency is the broker's, not
			// that of the queue a flood builds up.
			b.Run("paced", func(b *testing.B) { benchDelivery(b, pub, sub, 200*time.Microsecond) })
		})
	}
}

// benchDelivery publishes b.N messages, one every interval (0: as fast as
// Publish returns), and reports throughput and latency.
func benchDelivery(b *testing.B, pub, sub channels.Broker, interval time.Duration) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	got := make(chan struct{}, 1)
	n := 0
	f := channels.SubscriberFunc(func(m *channels.Message) {
		sent := time.Unix(0, int64(binary.BigEndian.Uint64(m.Data)))
		lat = append(lat, time.Since(sent))
		n++
		if n == b.N {
			got <- struct{}{}
		}
	})
	topic := fmt.Sprintf("bench%d", interval)
	if err := sub.Subscribe(ctx, topic, &f); err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe(ctx, topic, &f)
	payload := make([]byte, 64)
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if tick != nil {
			<-tick
		}
		binary.BigEndian.PutUint64(payload, uint64(time.Now().UnixNano()))
		m := &channels.Message{Type: 2, Data: append([]byte(nil), payload...)}
		if err := pub.Publish(ctx, topic, m); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		b.Fatalf("delivered %d of %d", n, b.N)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
