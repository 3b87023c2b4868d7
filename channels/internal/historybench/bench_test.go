package historybench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// topic falls under the history policy of the brokers "with history".
const topic = "bench:room"

var policy = channels.HistoryPolicy{Pattern: "bench:*", MaxCount: 1000}

// maker opens a broker (with history when history is true) and its
// subscriber instance; both are closed at the end of the benchmark.
type maker func(b *testing.B, history bool) (pub, sub channels.Broker)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func memory(b *testing.B, history bool) (channels.Broker, channels.Broker) {
	var opts []channels.MemoryOption
	if history {
		opts = append(opts, channels.KeepHistory(policy))
	}
	m := channels.NewMemoryBroker(opts...)
	b.Cleanup(func() { m.Close() })
	return m, m
}

func redis(b *testing.B, history bool) (channels.Broker, channels.Broker) {
	prefix := fmt.Sprintf("nexobench%d:", time.Now().UnixNano())
	opts := []redisbroker.Option{redisbroker.WithPrefix(prefix), redisbroker.WithLogger(quiet())}
	if history {
		opts = append(opts, redisbroker.WithHistory(policy))
	}
	open := func() channels.Broker {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := redisbroker.Open(ctx, envOr("NEXO_REDIS_URL", redisbroker.DefaultURL), opts...)
		if err != nil {
			b.Skipf("no Redis: %v", err)
		}
		b.Cleanup(func() {
			r.Client().Del(context.Background(), prefix+"h:"+topic, prefix+"hm:"+topic)
			r.Close()
		})
		return r
	}
	return open(), open()
}

func nats() maker {
	return func(b *testing.B, history bool) (channels.Broker, channels.Broker) {
		prefix := fmt.Sprintf("nexobench%d:", time.Now().UnixNano())
		opts := []natsbroker.Option{natsbroker.WithPrefix(prefix), natsbroker.WithLogger(quiet())}
		if history {
			opts = append(opts, natsbroker.WithHistory(policy))
		}
		open := func() *natsbroker.Broker {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n, err := natsbroker.Open(ctx, envOr("NEXO_NATS_URL", natsbroker.DefaultURL), opts...)
			if err != nil {
				b.Skipf("no NATS: %v", err)
			}
			b.Cleanup(func() { n.Close() })
			return n
		}
		pub, sub := open(), open()
		b.Cleanup(func() {
			js, err := jetstream.New(pub.Conn())
			if err == nil {
				js.DeleteStream(context.Background(), pub.StreamName(topic))
			}
		})
		return pub, sub
	}
}

// BenchmarkHistory publishes 64-byte messages on one topic with one
// subscriber on another instance, sequentially (latency: each publish
// waits for the broker's answer) and from 16 goroutines (throughput), for
// every broker with and without history. It reports msgs/s and the p50
// and p99 publish-to-delivery latency.
func BenchmarkHistory(b *testing.B) {
	brokers := []struct {
		name string
		make maker
	}{
		{"memory", memory},
		{"redis", redis},
		{"nats", nats()},
	}
	for _, br := range brokers {
		for _, mode := range []string{"seq", "par"} {
			for _, h := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/history=%v", br.name, mode, h)
				b.Run(name, func(b *testing.B) { run(b, br.make, h, mode == "par") })
			}
		}
	}
}

func run(b *testing.B, mk maker, history, parallel bool) {
	pub, sub := mk(b, history)
	ctx := context.Background()
	lat := make([]time.Duration, b.N)
	var got atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	f := channels.SubscriberFunc(func(m *channels.Message) {
		if len(m.Data) < 8 {
			return
		}
		i := got.Add(1) - 1
		if int(i) < len(lat) {
			sent := int64(binary.LittleEndian.Uint64(m.Data))
			lat[i] = time.Duration(time.Now().UnixNano() - sent)
		}
		if int(i) == len(lat)-1 {
			once.Do(func() { close(done) })
		}
	})
	if err := sub.Subscribe(ctx, topic, &f); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sub.Unsubscribe(ctx, topic, &f) })
	publish := func() {
		data := make([]byte, 64)
		binary.LittleEndian.PutUint64(data, uint64(time.Now().UnixNano()))
		if err := pub.Publish(ctx, topic, &channels.Message{Type: 2, Data: data}); err != nil {
			b.Error(err)
		}
	}
	b.ResetTimer()
	if parallel {
		b.SetParallelism(8) // 16 publishers on 2 cores
		b.RunParallel(func(p *testing.PB) {
			for p.Next() {
				publish()
			}
		})
	} else {
		for range b.N {
			publish()
		}
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("delivered %d of %d", got.Load(), b.N)
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
