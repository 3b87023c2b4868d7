package natsbroker_test

import (
	"context"
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
