package metrics_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/nexotest"
	dto "github.com/prometheus/client_model/go"
)

// TestReconnectsOfARealNATSBroker restarts a nats-server of the test's own
// (started on a free port, stopped by its PID) under an attached App:
// nexo_broker_reconnects_total counts the reconnection.
func TestReconnectsOfARealNATSBroker(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin, err = exec.LookPath("/usr/sbin/nats-server")
	}
	if err != nil {
		t.Skip("no nats-server binary")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	var cmd *exec.Cmd
	start := func() {
		cmd = exec.Command(bin, "-a", "127.0.0.1", "-p", port)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	stop := func() {
		if cmd != nil {
			cmd.Process.Kill()
			cmd.Wait()
			cmd = nil
		}
	}
	start()
	t.Cleanup(stop)

	var b *natsbroker.Broker
	for deadline := time.Now().Add(10 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		b, err = natsbroker.Open(ctx, "nats://127.0.0.1:"+port, natsbroker.WithLogger(quietLogger()))
		cancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
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
	if got := value(fams, "nexo_broker_topics"); got != 2 {
		t.Errorf("topics = %v, want the App's 2", got)
	}
	stop()
	time.Sleep(200 * time.Millisecond)
	start()
	eventually(t, s.URL, "a reconnection", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_broker_reconnects_total") >= 1
	})
	app.Shutdown(context.Background())
}
