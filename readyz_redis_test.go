package nexo_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/nexotest"
)

// TestReadyzFollowsRedis stops and restarts a redis-server of the test's
// own under an App on the Redis broker, scraping /readyz over HTTP: 200
// while Redis answers, 503 with the broker's error while it is stopped
// (/healthz staying 200), and 200 again once it is back.
func TestReadyzFollowsRedis(t *testing.T) {
	rs := ownRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	b, err := redisbroker.Open(ctx, rs.URL(), redisbroker.WithLogger(slog.New(slog.DiscardHandler)))
	cancel()
	if err != nil {
		t.Fatalf("redisbroker: %v", err)
	}
	defer b.Close()

	app := withProbes(nexo.New(quietApp(), nexo.WithBroker(b)))
	s := nexotest.NewServer(t, app)
	if body := nexotest.WaitStatus(t, s.URL+"/readyz", 200); body != "ready\n" {
		t.Errorf("readyz with Redis up: %q", body)
	}

	rs.Stop()
	body := nexotest.WaitStatus(t, s.URL+"/readyz", 503)
	if !strings.HasPrefix(body, "not ready: broker: redisbroker: ping: ") {
		t.Errorf("readyz with Redis stopped: %q", body)
	}
	if status, _ := nexotest.Get(t, s.URL+"/healthz"); status != 200 {
		t.Errorf("healthz with Redis stopped: %d, want 200", status)
	}

	rs.Start()
	nexotest.WaitStatus(t, s.URL+"/readyz", 200)
}
