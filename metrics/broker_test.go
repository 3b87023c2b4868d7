package metrics_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	dto "github.com/prometheus/client_model/go"
)

func TestBrokerDecorator(t *testing.T) {
	m := metrics.New(metrics.WithPresenceTopics("room"))
	mb := channels.NewMemoryBroker()
	defer mb.Close()
	b := m.Broker(mb)
	if _, ok := b.(channels.PresenceBroker); !ok {
		t.Fatal("the decorator of a PresenceBroker must be a PresenceBroker")
	}
	app := nexo.New(nexo.WithLogger(quietLogger()), nexo.WithWS(ws.WithObserver(m)), nexo.WithBroker(b))
	app.Handle("/metrics", m.Handler())
	app.WebSocketRoute("/room", func(c *ws.Conn) error {
		sub, err := channels.Join(c, "room", channels.WithPresence(c.Query().Get("user"), nil))
		if err != nil {
			return err
		}
		for msg := range c.Texts() {
			if err := sub.Publish(msg); err != nil {
				return err
			}
		}
		return c.Err()
	})
	s := nexotest.NewServer(t, app)
	ada := s.Dial("/room?user=ada")
	defer ada.CloseNormal()
	bob := s.Dial("/room?user=bob")
	defer bob.CloseNormal()

	// Both are subscribed once presence lists them both.
	eventually(t, s.URL+"/metrics", "two present", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_presence_members", "topic", "room") == 2
	})
	// The presence joins were published too (on channels.PresenceTopic).
	before := value(scrape(t, s.URL+"/metrics"), "nexo_broker_publish_duration_seconds")
	ada.SendText("hi")
	ada.ExpectText("hi")
	bob.ExpectText("hi")
	fams := scrape(t, s.URL+"/metrics")
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"nexo_broker_publish_duration_seconds", before + 1},
		{"nexo_broker_publish_errors_total", 0},
		{"nexo_broker_messages_delivered_total", 2},
		{"nexo_broker_topics", 5}, // room, and the App's broadcast, route broadcast, shared direct and own direct topics
	} {
		if got := value(fams, tc.name); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	if err := app.Broadcast("all"); err != nil {
		t.Fatal(err)
	}
	ada.ExpectText("all")
	bob.ExpectText("all")
	fams = scrape(t, s.URL+"/metrics")
	if got := value(fams, "nexo_broker_messages_delivered_total"); got != 3 {
		t.Errorf("delivered after a broadcast = %v, want 3 (one App subscriber)", got)
	}
}

// failing is a broker whose publishes fail.
type failing struct{ *channels.MemoryBroker }

func (failing) Publish(context.Context, string, *channels.Message) error {
	return errors.New("down")
}

func TestBrokerPublishErrorsAndUnsubscribe(t *testing.T) {
	m := metrics.New()
	mb := channels.NewMemoryBroker()
	defer mb.Close()
	b := m.Broker(mb)
	ctx := context.Background()
	got := 0
	s := channels.SubscriberFunc(func(*channels.Message) { got++ })
	if err := b.Subscribe(ctx, "t", &s); err != nil {
		t.Fatal(err)
	}
	if err := b.Subscribe(ctx, "t", &s); err != nil { // twice: no effect
		t.Fatal(err)
	}
	if err := channels.Publish(ctx, b, "t", "x"); err != nil {
		t.Fatal(err)
	}
	if got != 1 {
		t.Fatalf("delivered %d times, want 1", got)
	}
	if err := b.Unsubscribe(ctx, "t", &s); err != nil {
		t.Fatal(err)
	}
	if n := mb.Subscribers("t"); n != 0 {
		t.Fatalf("inner broker still has %d subscribers after Unsubscribe", n)
	}
	channels.Publish(ctx, b, "t", "y")
	if got != 1 {
		t.Fatalf("delivered after Unsubscribe")
	}

	fb := m.Broker(failing{mb})
	if err := channels.Publish(ctx, fb, "t", "z"); err == nil {
		t.Fatal("publish on a failing broker: no error")
	}
	if _, ok := fb.(channels.PresenceBroker); !ok {
		t.Error("presence lost by the decorator")
	}
	srv := nexotest.NewServer(t, m.Handler())
	fams := scrape(t, srv.URL)
	if got := value(fams, "nexo_broker_publish_errors_total"); got != 1 {
		t.Errorf("publish errors = %v, want 1", got)
	}
	if got := value(fams, "nexo_broker_publish_duration_seconds"); got != 3 {
		t.Errorf("publishes timed = %v, want 3", got)
	}
	if got := value(fams, "nexo_broker_messages_delivered_total"); got != 1 {
		t.Errorf("delivered = %v, want 1", got)
	}
}

// reconnecting is a broker that says it reconnected.
type reconnecting struct{ *channels.MemoryBroker }

func (reconnecting) Reconnects() uint64 { return 3 }

func TestBrokerReconnectsFromAttachedApp(t *testing.T) {
	mb := channels.NewMemoryBroker()
	defer mb.Close()
	m := metrics.New()
	app := nexo.New(nexo.WithLogger(quietLogger()), nexo.WithBroker(reconnecting{mb}))
	m.Attach(app)
	s := nexotest.NewServer(t, m.Handler())
	fams := scrape(t, s.URL)
	if got := value(fams, "nexo_broker_reconnects_total"); got != 3 {
		t.Errorf("reconnects = %v, want 3", got)
	}
	if got := value(fams, "nexo_broker_topics"); got != 4 {
		t.Errorf("topics = %v, want 4 (the App's own: broadcast, route broadcast, shared and own direct)", got)
	}
	if _, ok := fams["nexo_broker_messages_delivered_total"]; ok {
		t.Error("delivered is reported although no broker was wrapped")
	}
	app.Shutdown(context.Background())
}
