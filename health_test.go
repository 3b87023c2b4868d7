package nexo_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/internal/servicetest"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

func withProbes(app *nexo.App) *nexo.App {
	app.Get("/healthz", app.Healthz)
	app.Get("/readyz", app.Readyz)
	return app
}

func quietApp() nexo.Option { return nexo.WithLogger(slog.New(slog.DiscardHandler)) }

func TestHealthzAndReadyz(t *testing.T) {
	app := withProbes(nexo.New(quietApp()))
	s := nexotest.NewServer(t, app)
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "ok\n"},
		{"/readyz", 200, "ready\n"},
	} {
		status, body := nexotest.Get(t, s.URL+tc.path)
		if status != tc.status || body != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.path, status, body, tc.status, tc.body)
		}
	}
}

// pingingBroker is an in-process broker whose Ping fails while down is set.
type pingingBroker struct {
	*channels.MemoryBroker
	down atomic.Bool
}

func (b *pingingBroker) Ping(ctx context.Context) error {
	if b.down.Load() {
		return errors.New("unreachable")
	}
	return ctx.Err()
}

// decoratedBroker is a decorator that only unwraps, as a metrics decorator might.
type decoratedBroker struct{ channels.Broker }

func (w decoratedBroker) Unwrap() channels.Broker { return w.Broker }

func TestReadyzFollowsBrokerPing(t *testing.T) {
	pb := &pingingBroker{MemoryBroker: channels.NewMemoryBroker()}
	defer pb.Close()
	for name, b := range map[string]channels.Broker{"direct": pb, "decorated": decoratedBroker{pb}} {
		t.Run(name, func(t *testing.T) {
			pb.down.Store(false)
			app := withProbes(nexo.New(quietApp(), nexo.WithBroker(b)))
			s := nexotest.NewServer(t, app)
			if status, _ := nexotest.Get(t, s.URL+"/readyz"); status != 200 {
				t.Fatalf("readyz with the broker up: %d", status)
			}
			pb.down.Store(true)
			status, body := nexotest.Get(t, s.URL+"/readyz")
			if status != 503 || body != "not ready: broker: unreachable\n" {
				t.Errorf("readyz with the broker down: %d %q", status, body)
			}
			if status, _ := nexotest.Get(t, s.URL+"/healthz"); status != 200 {
				t.Errorf("healthz must not depend on the broker: %d", status)
			}
			pb.down.Store(false)
			if status, _ := nexotest.Get(t, s.URL+"/readyz"); status != 200 {
				t.Errorf("readyz with the broker back: %d", status)
			}
		})
	}
}

func TestReadyzFailsWhileDraining(t *testing.T) {
	app := withProbes(nexo.New(quietApp(), nexo.WithShutdownWindow(10*time.Millisecond)))
	opened := make(chan struct{})
	release := make(chan struct{})
	app.WebSocketRoute("/hold", func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		close(opened)
		<-release // a handler slow to finish keeps Shutdown waiting
		return nil
	})
	s := nexotest.NewServer(t, app)
	c := s.Dial("/hold")
	<-opened
	if status, _ := nexotest.Get(t, s.URL+"/readyz"); status != 200 {
		t.Fatalf("readyz before shutdown: %d", status)
	}

	done := make(chan error, 1)
	go func() { done <- app.Shutdown(context.Background()) }()
	c.ExpectClose(ws.CloseGoingAway) // Shutdown has begun: draining is set

	status, body := nexotest.Get(t, s.URL+"/readyz")
	if status != 503 || body != "not ready: "+nexo.ErrDraining.Error()+"\n" {
		t.Errorf("readyz while draining: %d %q", status, body)
	}
	if status, _ := nexotest.Get(t, s.URL+"/healthz"); status != 200 {
		t.Errorf("healthz while draining: %d, want 200 (the process is alive)", status)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned before the handler: %v", err)
	default:
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if status, _ := nexotest.Get(t, s.URL+"/readyz"); status != 503 {
		t.Errorf("readyz after shutdown: %d", status)
	}
}

func TestReadyzWhenStartFailed(t *testing.T) {
	t.Setenv("NEXO_BROKER", "bogus")
	app := withProbes(nexo.New(quietApp()))
	if app.Err() == nil {
		t.Fatal("want a start-up error")
	}
	err := app.Ready(context.Background())
	if !errors.Is(err, nexo.ErrNotStarted) {
		t.Fatalf("Ready: %v, want ErrNotStarted", err)
	}
}

// TestReadyzFollowsNATS stops and restarts a nats-server of its own under
// an App on the NATS broker: readiness fails while the server is away and
// comes back with it.
func TestReadyzFollowsNATS(t *testing.T) {
	ns := servicetest.NATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	b, err := natsbroker.Open(ctx, ns.URL(), natsbroker.WithLogger(slog.New(slog.DiscardHandler)))
	cancel()
	if err != nil {
		t.Fatalf("natsbroker: %v", err)
	}
	defer b.Close()

	app := withProbes(nexo.New(quietApp(), nexo.WithBroker(b)))
	s := nexotest.NewServer(t, app)
	nexotest.WaitStatus(t, s.URL+"/readyz", 200)
	ns.Stop()
	body := nexotest.WaitStatus(t, s.URL+"/readyz", 503)
	if !strings.HasPrefix(body, "not ready: broker: ") {
		t.Errorf("readyz body with NATS down: %q", body)
	}
	ns.Start()
	nexotest.WaitStatus(t, s.URL+"/readyz", 200)
}
