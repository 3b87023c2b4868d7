package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	dto "github.com/prometheus/client_model/go"
)

// TestRedisBrokerOutage runs an App on a Redis broker wrapped by the
// Metrics, and restarts its Redis server: deliveries are counted, a
// publish during the outage is counted as an error, and the broker's
// reconnection shows in nexo_broker_reconnects_total, after which
// deliveries are counted again; the presence gauge disappears during the
// outage and comes back with the entry.
func TestRedisBrokerOutage(t *testing.T) {
	rs := servicetest.Redis(t)
	ctx := context.Background()
	rb, err := redisbroker.Open(ctx, rs.URL(), redisbroker.WithLogger(quietLogger()), redisbroker.WithLease(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()

	m := metrics.New(metrics.WithPresenceTopics("feed"))
	app := nexo.New(nexo.WithLogger(quietLogger()), nexo.WithWS(ws.WithObserver(m)), nexo.WithBroker(m.Broker(rb)))
	m.Attach(app)
	app.Handle("/metrics", m.Handler())
	joined := make(chan struct{})
	app.WebSocketRoute("/feed", func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		if _, err := channels.Join(c, "feed", channels.WithPresence("ada", nil)); err != nil {
			return err
		}
		close(joined)
		<-c.Context().Done()
		return nil
	})
	s := nexotest.NewServer(t, app)
	c := s.Dial("/feed")
	defer c.CloseNormal()
	murl := s.URL + "/metrics"
	<-joined // Redis confirmed the SUBSCRIBE

	publish := func() error { return app.Publish(ctx, "feed", "tick") }
	if err := publish(); err != nil {
		t.Fatal(err)
	}
	c.ExpectText("tick")
	fams := scrape(t, murl)
	if got := value(fams, "nexo_broker_messages_delivered_total"); got != 1 {
		t.Errorf("delivered = %v, want 1", got)
	}
	if got := value(fams, "nexo_broker_publish_duration_seconds"); got != 2 {
		t.Errorf("publishes timed = %v, want 2 (the presence join event and the tick)", got)
	}
	if got := value(fams, "nexo_broker_reconnects_total"); got != 0 {
		t.Errorf("reconnects before the outage = %v", got)
	}
	if got := value(fams, "nexo_presence_members", "topic", "feed"); got != 1 {
		t.Errorf("presence members = %v, want 1", got)
	}

	rs.Stop()
	if err := publish(); err == nil {
		t.Fatal("publish with Redis stopped succeeded")
	}
	fams = scrape(t, murl)
	if got := value(fams, "nexo_broker_publish_errors_total"); got != 1 {
		t.Errorf("publish errors = %v, want 1", got)
	}
	if _, ok := fams["nexo_presence_members"]; ok {
		t.Error("presence reported while Redis is stopped")
	}

	rs.Start()
	eventually(t, murl, "a reconnection", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_broker_reconnects_total") >= 1
	})
	if err := publish(); err != nil {
		t.Fatalf("publish after the restart: %v", err)
	}
	c.ExpectText("tick")
	fams = scrape(t, murl)
	if got := value(fams, "nexo_broker_messages_delivered_total"); got != 2 {
		t.Errorf("delivered after the restart = %v, want 2", got)
	}
	// The restarted Redis kept nothing; the broker writes its entries again
	// once it notices its lease is gone.
	eventually(t, murl, "presence restored", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_presence_members", "topic", "feed") == 1
	})
	if got := value(fams, "nexo_ws_messages_sent_total", "route", "/feed"); got != 2 {
		t.Errorf("messages sent = %v, want 2", got)
	}
}
