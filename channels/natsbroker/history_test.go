package natsbroker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/brokertest"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// history returns a broker of f keeping history under p; the history
// streams of f's prefix are deleted when the test ends.
func (f *factory) history(t *testing.T, p channels.HistoryPolicy) channels.HistoryBroker {
	t.Helper()
	g := &factory{url: f.url, prefix: f.prefix, dialers: map[channels.Broker]*natsbroker.Dialer{},
		opts: append(append([]natsbroker.Option(nil), f.opts...), natsbroker.WithHistory(p))}
	b := g.New(t)
	f.mu.Lock()
	f.dialers[b] = g.dialers[b]
	f.mu.Unlock()
	t.Cleanup(func() { deleteStreams(t, f.url, f.prefix) })
	return b
}

func (f *factory) breakNow(t *testing.T, b channels.HistoryBroker) {
	f.mu.Lock()
	d := f.dialers[b]
	f.mu.Unlock()
	d.Break()
}

// deleteStreams deletes the history streams of prefix.
func deleteStreams(t testing.TB, url, prefix string) {
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, presence, _ := natsbroker.NamesFor(prefix)
	head := strings.TrimSuffix(presence, "_presence") + "_h_"
	names := js.StreamNames(ctx)
	for name := range names.Name() {
		if strings.HasPrefix(name, head) {
			js.DeleteStream(ctx, name)
		}
	}
}

// TestHistory runs the history suite on the shared server, across two
// instances; Kill breaks the subscriber's connection in the middle of the
// stream; Lose deletes the topic's stream (a new epoch).
func TestHistory(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	brokertest.RunHistory(t, f.history, brokertest.HistoryOptions{
		Cluster: true,
		Kill:    f.breakNow,
		Lose: func(t *testing.T, b channels.HistoryBroker, p channels.HistoryPolicy) channels.HistoryBroker {
			deleteStreams(t, f.url, f.prefix)
			return f.history(t, p)
		},
	})
}

// TestHistoryServerRestart: a restarted server keeps the history, so a
// subscriber resumes after its last sequence and a client's position is
// still honoured.
func TestHistoryServerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	_, pub, got, last := historyPair(t, f)
	ctx := context.Background()
	before := pub.Reconnects()
	s.Stop()
	s.Start()
	waitFor(t, 10*time.Second, "reconnect", func() bool { return pub.Reconnects() > before })
	rec, err := pub.Recover(ctx, topicR, channels.RecoverQuery{Since: &channels.Position{Epoch: last.Epoch, Offset: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Recovered || len(rec.Messages) != 2 || rec.Position != last {
		t.Fatalf("after the restart: recovered %v, %d messages, at %v", rec.Recovered, len(rec.Messages), rec.Position)
	}
	if err := channels.Publish(ctx, pub, topicR, 5); err != nil {
		t.Fatal(err)
	}
	if m := got.next(t); m.Pos != (channels.Position{Epoch: last.Epoch, Offset: 6}) {
		t.Fatalf("after the restart: %v, want %s:6", m.Pos, last.Epoch)
	}
}

// TestHistoryChurnServerRestart runs the history suite on a server of the
// test's own, which ChurnRestart stops and starts again while clients come
// and go: the file-stored history survives, and every client ends with
// every message once.
func TestHistoryChurnServerRestart(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	brokertest.RunHistory(t, f.history, brokertest.HistoryOptions{
		Cluster: true,
		Kill:    f.breakNow,
		Restart: func(t *testing.T) { s.Stop(); s.Start() },
	})
}

// TestHistoryStreamDeleted: a stream deleted under a subscriber comes
// back with a new epoch, which the subscriber's messages carry.
func TestHistoryStreamDeleted(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	_, pub, got, last := historyPair(t, f)
	deleteStreams(t, f.url, f.prefix)
	ctx := context.Background()
	if err := channels.Publish(ctx, pub, topicR, 5); err != nil {
		t.Fatal(err)
	}
	m, ok := got.wait(20 * time.Second) // the consumer notices by its heartbeats
	if !ok || m.Pos.Epoch == last.Epoch || m.Pos.Offset != 1 {
		if m != nil {
			t.Fatalf("after the stream was deleted: %v (was %v)", m.Pos, last)
		}
		t.Fatalf("after the stream was deleted: nothing (was %v)", last)
	}
}

const topicR = "room:restart"

// historyPair returns two brokers of f with history on "room:*", a
// subscriber on the first that received 5 messages published on the
// second, and the position of the last.
func historyPair(t *testing.T, f *factory) (sub, pub *natsbroker.Broker, got chanSub, last channels.Position) {
	p := channels.HistoryPolicy{Pattern: "room:*", MaxCount: 100}
	sub, pub = f.history(t, p).(*natsbroker.Broker), f.history(t, p).(*natsbroker.Broker)
	got = newChanSub(100)
	ctx := context.Background()
	if err := sub.Subscribe(ctx, topicR, got); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := channels.Publish(ctx, pub, topicR, i); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		m := got.next(t)
		if m.Pos.Offset != uint64(i+1) {
			t.Fatalf("message %d at %v", i, m.Pos)
		}
		last = m.Pos
	}
	return sub, pub, got, last
}

// TestConformanceWithHistory: with history on every topic, the broker
// still passes the broker suite.
func TestConformanceWithHistory(t *testing.T) {
	url := requireNATS(t)
	f := newFactory(t, url, natsbroker.WithHistory(channels.HistoryPolicy{Pattern: "*", MaxCount: 100}))
	t.Cleanup(func() { deleteStreams(t, url, f.prefix) })
	brokertest.Run(t, f.Broker, brokertest.Options{Cluster: true, Kill: f.breakConn})
}

// TestHistoryStreamCreatedByTwoAtOnce: two instances publishing on a new
// topic at the same moment both create its stream, and the server takes
// one of the two creations while it is making the other (it answers
// "subjects overlap with an existing stream"): neither publish fails.
func TestHistoryStreamCreatedByTwoAtOnce(t *testing.T) {
	f := newFactory(t, requireNATS(t))
	p := channels.HistoryPolicy{Pattern: "room:*", MaxCount: 100}
	brokers := []channels.Broker{f.history(t, p), f.history(t, p)}
	ctx := context.Background()
	for i := range 30 {
		topic := fmt.Sprintf("room:once-%d", i)
		errs := make(chan error, len(brokers))
		for _, b := range brokers {
			go func() { errs <- channels.Publish(ctx, b, topic, i) }()
		}
		for range brokers {
			if err := <-errs; err != nil {
				t.Fatalf("%s: %v", topic, err)
			}
		}
	}
}

// TestNewTopicsAtOnceKeepServerUp has four instances read (as a page
// joining with recovery does) and publish on new history topics at once,
// on a server of the test's own: nats-server 2.9 crashes (a nil
// dereference in stream.updateWithAdvisory) when a stream update reaches
// it while the same stream is being created, and the broker sent one
// before every creation (nats.go's CreateOrUpdateStream). Every call
// succeeds and the server still answers at the end.
func TestNewTopicsAtOnceKeepServerUp(t *testing.T) {
	s := ownServer(t)
	f := newFactory(t, s.URL())
	p := channels.HistoryPolicy{Pattern: "room:*", MaxCount: 10}
	brokers := []channels.HistoryBroker{f.history(t, p), f.history(t, p), f.history(t, p), f.history(t, p)}
	ctx := context.Background()
	for i := range 200 {
		topic := fmt.Sprintf("room:up-%d", i)
		errs := make(chan error, 2*len(brokers))
		for _, b := range brokers {
			// A page joining with recovery reads the stream; another
			// publishes: each makes the stream when it is missing.
			go func() {
				_, err := b.Recover(ctx, topic, channels.RecoverQuery{Last: 10})
				errs <- err
			}()
			go func() { errs <- channels.Publish(ctx, b, topic, i) }()
		}
		for range 2 * len(brokers) {
			if err := <-errs; err != nil {
				t.Fatalf("%s: %v", topic, err)
			}
		}
	}
	nc, err := nats.Connect(s.URL(), nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatalf("the server is gone: %v", err)
	}
	nc.Close()
}
