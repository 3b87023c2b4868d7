package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/nexotest"
	dto "github.com/prometheus/client_model/go"
)

// TestReconnectsOfARealNATSBroker restarts a nats-server of the test's own
// (started on a free port, stopped by its PID) under an attached App:
// nexo_broker_reconnects_total counts the reconnection.
func TestReconnectsOfARealNATSBroker(t *testing.T) {
	ns := servicetest.NATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	b, err := natsbroker.Open(ctx, ns.URL(), natsbroker.WithLogger(quietLogger()))
	cancel()
	if err != nil {
		t.Fatalf("natsbroker: %v", err)
	}
	defer b.Close()

	m := metrics.New()
	app := nexo.New(nexo.WithLogger(quietLogger()), nexo.WithBroker(b))
	m.Attach(app)
	s := nexotest.NewServer(t, m.Handler())
	fams := scrape(t, s.URL)
	if got := value(fams, "nexo_broker_reconnects_total"); got != 0 {
		t.Fatalf("reconnects before any outage = %v", got)
	}
	if got := value(fams, "nexo_broker_topics"); got != 4 {
		t.Errorf("topics = %v, want the App's 4 (broadcast, route broadcast, shared and own direct)", got)
	}
	ns.Stop()
	// The broker notices the loss (its Ping fails) before the server returns.
	for deadline := time.Now().Add(10 * time.Second); b.Ping(context.Background()) == nil; {
		if time.Now().After(deadline) {
			t.Fatal("the broker did not notice the stopped server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ns.Start()
	eventually(t, s.URL, "a reconnection", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_broker_reconnects_total") >= 1
	})
	app.Shutdown(context.Background())
}
