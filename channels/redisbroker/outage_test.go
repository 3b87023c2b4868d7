package redisbroker_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// logSignal is a slog.Handler that logs to t and signals every record
// whose message contains a substring.
type logSignal struct {
	slog.Handler
	substr string
	ch     chan struct{}
}

func (h *logSignal) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *logSignal) WithAttrs(as []slog.Attr) slog.Handler {
	return &logSignal{h.Handler.WithAttrs(as), h.substr, h.ch}
}

// signalOn returns a logger for t and a channel that receives when a
// record containing substr is logged.
func signalOn(t testing.TB, substr string) (*slog.Logger, <-chan struct{}) {
	h := &logSignal{Handler: quiet(t).Handler(), substr: substr, ch: make(chan struct{}, 1)}
	return slog.New(h), h.ch
}

// TestRoomJoinableAfterOutageLeave: the last local member of a topic
// leaves while the server is down (its UNSUBSCRIBE cannot be sent); once
// the server is back, the topic can be subscribed again at once, and
// delivers. Several rounds, since the receive loop's own retries must not
// happen to hide the state left behind.
func TestRoomJoinableAfterOutageLeave(t *testing.T) {
	s := ownServer(t)
	logger, lost := signalOn(t, "subscription connection lost")
	f := newFactory(t, s.URL(), redisbroker.WithLogger(logger))
	b := f.New(t)
	ctx := context.Background()
	for round := range 3 {
		topic := fmt.Sprintf("room:%d", round)
		first := make(chanSub, 4)
		if err := b.Subscribe(ctx, topic, first); err != nil {
			t.Fatal(err)
		}
		s.Stop()
		<-lost                           // the receive loop saw the outage, and waits before retrying
		b.Unsubscribe(ctx, topic, first) // fails: the server is down
		s.Start()
		waitFor(t, 10*time.Second, "ping", func() bool { return b.Ping(ctx) == nil })

		again := make(chanSub, 4)
		sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := b.Subscribe(sctx, topic, again)
		cancel()
		if err != nil {
			t.Fatalf("round %d: subscribe again after the outage: %v", round, err)
		}
		if err := channels.Publish(ctx, b, topic, "back"); err != nil {
			t.Fatal(err)
		}
		if m := again.next(t); string(m.Data) != "back" {
			t.Fatalf("round %d: got %q", round, m.Data)
		}
		b.Unsubscribe(ctx, topic, again)
	}
}

// brokerOfStoppedServer returns a broker whose server, the test's own,
// has stopped.
func brokerOfStoppedServer(t testing.TB) *redisbroker.Broker {
	s := ownServer(t)
	b := newFactory(t, s.URL()).New(t)
	s.Stop()
	return b
}

// TestPublishFailsFastDuringOutage: with the server down, Publish returns
// an error without waiting for dial retries (the bound is loose, for a
// loaded machine; BenchmarkPublishDuringOutage measures it).
func TestPublishFailsFastDuringOutage(t *testing.T) {
	b, ctx := brokerOfStoppedServer(t), context.Background()
	for i := range 5 {
		start := time.Now()
		err := channels.Publish(ctx, b, "news", i)
		took := time.Since(start)
		if err == nil {
			t.Fatal("Publish returned nil while the server was down")
		}
		if took > 100*time.Millisecond {
			t.Fatalf("publish %d during the outage took %v, want < 100ms", i, took)
		}
	}
}

// BenchmarkPublishDuringOutage measures how long Publish takes to fail
// while the server is down.
func BenchmarkPublishDuringOutage(bm *testing.B) {
	b, ctx := brokerOfStoppedServer(bm), context.Background()
	for bm.Loop() {
		if channels.Publish(ctx, b, "news", 1) == nil {
			bm.Fatal("Publish returned nil while the server was down")
		}
	}
}

// epochSub records the epochs of what it receives, in order of first
// sight, and counts messages per epoch.
type epochSub struct {
	mu     sync.Mutex
	epochs []string
	count  map[string]int
}

func (s *epochSub) Deliver(m *channels.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == nil {
		s.count = map[string]int{}
	}
	if s.count[m.Pos.Epoch] == 0 {
		s.epochs = append(s.epochs, m.Pos.Epoch)
	}
	s.count[m.Pos.Epoch]++
}

// seen returns the epochs seen and how many messages arrived in the last.
func (s *epochSub) seen() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.epochs) == 0 {
		return nil, 0
	}
	return slices.Clone(s.epochs), s.count[s.epochs[len(s.epochs)-1]]
}

// TestOneEpochPerRestart: three instances publish on one topic with
// history, 16 goroutines each, while the server restarts from a snapshot,
// three times; two instances learn the new server's identity later than
// the first. Each restart gives exactly one new epoch: to every publish,
// to every instance's subscriber, and to Recover on every instance.
func TestOneEpochPerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	pol := channels.HistoryPolicy{Pattern: "room:*"}
	const tp = "room:epoch"
	ctx := context.Background()
	var brokers []*redisbroker.Broker
	var subs []*epochSub
	for i := range 3 {
		var extra []redisbroker.Option
		if i > 0 {
			// Slower networks: these instances learn the restarted
			// server's identity 25 and 50 ms after the first.
			delay := time.Duration(i) * 25 * time.Millisecond
			extra = append(extra, redisbroker.WithRedisOptions(func(o *redis.Options) {
				o.OnConnect = func(context.Context, *redis.Conn) error {
					time.Sleep(delay) // latency, not synchronisation
					return nil
				}
			}))
		}
		b := f.withHistory(t, pol, extra...)
		sub := &epochSub{}
		if err := b.Subscribe(ctx, tp, sub); err != nil {
			t.Fatal(err)
		}
		brokers, subs = append(brokers, b), append(subs, sub)
	}
	// Every epoch a publish was given, across the instances.
	published := &epochSub{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 16 * len(brokers) {
		b := brokers[i%len(brokers)]
		wg.Go(func() {
			for i := 0; ; i++ {
				m, err := channels.NewMessage(tp, i)
				if err != nil {
					panic(err)
				}
				if b.Publish(ctx, tp, m) == nil { // fails during the outage
					published.Deliver(m)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
			wg.Wait()
		}
	}()
	waitFor(t, 10*time.Second, "traffic", func() bool {
		for _, sub := range subs {
			if _, n := sub.seen(); n < 20 {
				return false
			}
		}
		return true
	})
	const restarts = 3
	for r := range restarts {
		// The restarted server loads a snapshot, as a server with the
		// default persistence would.
		save(t, s.URL())
		s.Stop()
		s.Start()
		waitFor(t, 20*time.Second, "traffic after the restart", func() bool {
			for _, sub := range subs {
				if es, n := sub.seen(); len(es) < r+2 || n < 100 {
					return false
				}
			}
			return true
		})
	}
	close(stop)
	wg.Wait()
	if es, _ := published.seen(); len(es) != restarts+1 {
		t.Errorf("publishes were given %d epochs, want %d (one per restart, and the first): %v", len(es), restarts+1, es)
	}
	for i, sub := range subs {
		if es, _ := sub.seen(); len(es) != restarts+1 {
			t.Errorf("instance %d saw %d epochs, want %d: %v", i, len(es), restarts+1, es)
		}
	}
	for i, b := range brokers {
		var rec channels.Recovery
		var err error
		waitFor(t, 5*time.Second, "recover", func() bool { // the pool may still be reconnecting
			rec, err = b.Recover(ctx, tp, channels.RecoverQuery{})
			return err == nil
		})
		if es, _ := subs[0].seen(); rec.Position.Epoch != es[len(es)-1] {
			t.Errorf("instance %d reads epoch %q (%v), want the last one delivered %v", i, rec.Position.Epoch, err, es)
		}
	}
}

// save makes the server at url write its snapshot, on a connection of its
// own (the brokers' pools may still be reconnecting).
func save(t testing.TB, url string) {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	if err := rc.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCatchUpAcrossRestart: the server restarts empty; another instance
// publishes in the new epoch before this instance's subscription is back.
// Once it is, its subscriber gets every message of the new epoch, from
// the first, in order, then the live ones.
func TestCatchUpAcrossRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	pol := channels.HistoryPolicy{Pattern: "room:*"}
	const tp = "room:catch"
	pub, sub := f.withHistory(t, pol), f.withHistory(t, pol)
	ctx := context.Background()
	got := make(chanSub, 64)
	if err := sub.Subscribe(ctx, tp, got); err != nil {
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, pub, tp, "before"); err != nil {
		t.Fatal(err)
	}
	old := got.next(t).Pos
	f.dialerOf(sub).Block()
	s.Stop()
	s.Start()
	const missed = 5
	for i := range missed {
		waitFor(t, 5*time.Second, "publish", func() bool { // the pool may still be reconnecting
			return channels.Publish(ctx, pub, tp, i) == nil
		})
	}
	before := sub.Reconnects()
	f.dialerOf(sub).Unblock()
	waitFor(t, 10*time.Second, "reconnect", func() bool { return sub.Reconnects() > before })
	if err := channels.Publish(ctx, pub, tp, missed); err != nil {
		t.Fatal(err)
	}
	for i := range missed + 1 {
		m := got.next(t)
		if m.Pos.Epoch == old.Epoch || m.Pos.Offset != uint64(i+1) || string(m.Data) != fmt.Sprint(i) {
			t.Fatalf("message %d after the restart: %q at %v, want %d at offset %d of a new epoch (was %v)", i, m.Data, m.Pos, i, i+1, old)
		}
	}
}
