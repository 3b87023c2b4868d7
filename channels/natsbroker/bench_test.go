package natsbroker_test

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// stamped returns a 64-byte binary payload carrying the send time.
func stamped() []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint64(b, uint64(time.Now().UnixNano()))
	return b
}

func latency(m *channels.Message) time.Duration {
	return time.Duration(time.Now().UnixNano() - int64(binary.LittleEndian.Uint64(m.Data)))
}

// benchPair returns a publisher and a receiver instance on the shared
// server, the receiver subscribed to the returned topic.
func benchPair(b *testing.B, s channels.Subscriber) (pub *natsbroker.Broker, topic string) {
	url := requireNATS(b)
	prefix := runPrefix(b, url)
	var bs []*natsbroker.Broker
	for range 2 {
		br, err := natsbroker.Open(context.Background(), url, natsbroker.WithPrefix(prefix), natsbroker.WithLogger(quiet(b)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { br.Close() })
		bs = append(bs, br)
	}
	topic = "bench:" + b.Name()
	if err := bs[1].Subscribe(context.Background(), topic, s); err != nil {
		b.Fatal(err)
	}
	return bs[0], topic
}

// BenchmarkThroughput publishes as fast as one publisher can and waits for
// the other instance to have received everything: msgs/s end to end, and
// the latency of each message (queueing included) at p50 and p99.
func BenchmarkThroughput(b *testing.B) {
	lat := make([]time.Duration, 0, 1<<16)
	got := make(chan struct{}, 1)
	want := b.N
	f := channels.SubscriberFunc(func(m *channels.Message) {
		lat = append(lat, latency(m)) // one goroutine per subscription: no race
		if len(lat) == want {
			got <- struct{}{}
		}
	})
	pub, topic := benchPair(b, &f)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		m := &channels.Message{Type: 2, Data: stamped()}
		if err := pub.Publish(ctx, topic, m); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		b.Fatalf("received %d of %d", len(lat), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	reportPercentiles(b, lat)
}

// BenchmarkLatency sends one message at a time and waits for it on the
// other instance: the round trip through the server without queueing.
func BenchmarkLatency(b *testing.B) {
	ch := make(chan time.Duration, 1)
	f := channels.SubscriberFunc(func(m *channels.Message) { ch <- latency(m) })
	pub, topic := benchPair(b, &f)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		if err := pub.Publish(ctx, topic, &channels.Message{Type: 2, Data: stamped()}); err != nil {
			b.Fatal(err)
		}
		select {
		case d := <-ch:
			lat = append(lat, d)
		case <-time.After(5 * time.Second):
			b.Fatal("no delivery")
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
