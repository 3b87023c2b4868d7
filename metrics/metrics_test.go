package metrics_test

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
	dto "github.com/prometheus/client_model/go"
)

func echo(c *ws.Conn) error {
	for {
		m, err := c.Receive()
		if err != nil {
			return err
		}
		if err := c.Send(m); err != nil {
			return err
		}
	}
}

// newApp returns an App observed by a fresh Metrics that serves /metrics.
func newApp(t *testing.T, opts ...nexo.Option) (*nexo.App, *metrics.Metrics) {
	t.Helper()
	m := metrics.New()
	app := nexo.New(append([]nexo.Option{nexo.WithLogger(quietLogger()), nexo.WithWS(ws.WithObserver(m))}, opts...)...)
	m.Attach(app)
	app.Handle("/metrics", m.Handler())
	return app, m
}

func TestConnectionsAndTraffic(t *testing.T) {
	app, _ := newApp(t)
	app.WebSocketRoute("/chat/{room}", echo)
	s := nexotest.NewServer(t, app)
	url := s.URL + "/metrics"

	const route = "/chat/{room}"
	fams := scrape(t, url)
	if v := value(fams, "nexo_ws_connections", "route", route); !math.IsNaN(v) {
		t.Fatalf("connections before any: %v, want no series", v)
	}
	if v := value(fams, "nexo_ws_draining"); v != 0 {
		t.Fatalf("draining = %v, want 0", v)
	}

	a := s.Dial("/chat/a")
	b := s.Dial("/chat/b")
	defer b.CloseNormal()
	for _, c := range []*nexotest.Conn{a, b} {
		for range 3 {
			c.SendText("hello")
			c.ExpectText("hello")
		}
	}
	fams = scrape(t, url)
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"nexo_ws_connections", 2},
		{"nexo_ws_connections_opened_total", 2},
		{"nexo_ws_messages_received_total", 6},
		{"nexo_ws_messages_sent_total", 6},
		{"nexo_ws_received_bytes_total", 30},
		{"nexo_ws_sent_bytes_total", 30},
		{"nexo_ws_send_dropped_total", 0},
	} {
		if got := value(fams, tc.name, "route", route); got != tc.want {
			t.Errorf("%s{route=%q} = %v, want %v", tc.name, route, got, tc.want)
		}
	}

	// Closing moves the connection's traffic from live to closed: the
	// counters stay where they were, the gauge goes down.
	a.CloseNormal()
	fams = eventually(t, url, "a closed connection", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_ws_connections", "route", route) == 1
	})
	if got := value(fams, "nexo_ws_messages_received_total", "route", route); got != 6 {
		t.Errorf("messages received after a close = %v, want 6", got)
	}
	if got := value(fams, "nexo_ws_closes_total", "code", "1000"); got != 1 {
		t.Errorf("closes{code=1000} = %v, want 1", got)
	}
	b.SendText("more")
	b.ExpectText("more")
	fams = scrape(t, url)
	if got := value(fams, "nexo_ws_messages_sent_total", "route", route); got != 7 {
		t.Errorf("messages sent = %v, want 7", got)
	}
	// Runtime collectors come with the registry.
	if fams["go_goroutines"] == nil {
		t.Error("go_goroutines missing from the exposition")
	}
}

func TestSlowConsumerIsCounted(t *testing.T) {
	app, _ := newApp(t, nexo.WithWS(ws.WithSendQueue(16, ws.SlowConsumerClose), ws.WithCloseTimeout(200*time.Millisecond)))
	app.WebSocketRoute("/push", func(c *ws.Conn) error {
		msg := strings.Repeat("x", 1024)
		for {
			if err := c.SendText(msg); err != nil {
				return err
			}
		}
	})
	s := nexotest.NewServer(t, app, nexotest.WithSendBuffer(4096))
	c := s.Dial("/push", nexotest.WithReceiveBuffer(2048)) // never reads
	defer c.Close()

	eventually(t, s.URL+"/metrics", "a slow consumer", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_ws_slow_consumers_total", "route", "/push") == 1 &&
			value(f, "nexo_ws_closes_total", "code", "1013") == 1 &&
			value(f, "nexo_ws_connections", "route", "/push") == 0
	})
}

func TestDroppedSendsAreCounted(t *testing.T) {
	app, _ := newApp(t)
	dropped := make(chan int, 1)
	app.WebSocketRoute("/drop", func(c *ws.Conn) error {
		if err := c.Configure(ws.WithSendQueue(16, ws.SlowConsumerDrop)); err != nil {
			return err
		}
		msg := strings.Repeat("x", 1024)
		n := 0
		for n < 10 {
			err := c.SendText(msg)
			if errors.Is(err, ws.ErrSendQueueFull) {
				n++
				continue
			}
			if err != nil {
				return err
			}
		}
		dropped <- n
		<-c.Context().Done()
		return nil
	})
	s := nexotest.NewServer(t, app, nexotest.WithSendBuffer(4096))
	c := s.Dial("/drop", nexotest.WithReceiveBuffer(2048))
	defer c.Close()
	n := <-dropped

	fams := scrape(t, s.URL+"/metrics")
	if got := value(fams, "nexo_ws_send_dropped_total", "route", "/drop"); got != float64(n) {
		t.Errorf("send_dropped_total = %v, want %d", got, n)
	}
	if got := value(fams, "nexo_ws_connections", "route", "/drop"); got != 1 {
		t.Errorf("connections = %v, want 1 (a drop does not close)", got)
	}
}

func TestFailuresRefusalsAndCloseCodes(t *testing.T) {
	app, _ := newApp(t)
	app.WebSocketRoute("/err", func(c *ws.Conn) error {
		c.Accept()
		return errors.New("boom")
	})
	app.WebSocketRoute("/panic", func(c *ws.Conn) error {
		c.Accept()
		panic("boom")
	})
	app.WebSocketRoute("/echo", echo)
	s := nexotest.NewServer(t, app)

	s.Dial("/err").ExpectClose(ws.CloseInternalError)
	s.Dial("/panic").ExpectClose(ws.CloseInternalError)

	// A plain GET and a foreign origin are refusals.
	resp, err := http.Get(s.URL + "/echo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.Dial("/echo", nexotest.WithOrigin("https://evil.example")).ExpectClose(ws.CloseForbidden)

	// A close code invented by the peer does not make a series of its own.
	c := s.Dial("/echo")
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4999, "mine"), time.Now().Add(time.Second))
	c.TryClose()

	eventually(t, s.URL+"/metrics", "failures and refusals", func(f map[string]*dto.MetricFamily) bool {
		return value(f, "nexo_ws_handler_errors_total", "route", "/err") == 1 &&
			value(f, "nexo_ws_handler_panics_total", "route", "/panic") == 1 &&
			value(f, "nexo_ws_closes_total", "code", "1011") == 2 &&
			value(f, "nexo_ws_closes_total", "code", "4403") == 1 &&
			value(f, "nexo_ws_closes_total", "code", "other") == 1 &&
			value(f, "nexo_ws_handshakes_refused_total", "reason", "not_websocket") == 1 &&
			value(f, "nexo_ws_handshakes_refused_total", "reason", "origin") == 1
	})
}

func TestLabelsAreRoutePatterns(t *testing.T) {
	app, _ := newApp(t)
	app.WebSocketRoute("/users/{id}", echo)
	s := nexotest.NewServer(t, app)
	var conns []*nexotest.Conn
	for _, id := range []string{"1", "2", "3"} {
		c := s.Dial("/users/" + id)
		c.SendText("x")
		c.ExpectText("x")
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.CloseNormal()
		}
	}()
	fams := scrape(t, s.URL+"/metrics")
	for _, name := range []string{"nexo_ws_connections", "nexo_ws_messages_received_total"} {
		f := fams[name]
		if f == nil || len(f.GetMetric()) != 1 {
			t.Fatalf("%s: want one series, got %v", name, f)
		}
		if got := f.GetMetric()[0].GetLabel()[0].GetValue(); got != "/users/{id}" {
			t.Errorf("%s route label = %q, want the pattern", name, got)
		}
	}
	if got := value(fams, "nexo_ws_connections", "route", "/users/{id}"); got != 3 {
		t.Errorf("connections = %v, want 3", got)
	}
}

func TestDrainingGauge(t *testing.T) {
	app, m := newApp(t)
	s := nexotest.NewServer(t, app)
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	// The listener is gone: read the collector directly.
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if body := rec.Body.String(); !strings.Contains(body, "\nnexo_ws_draining 1\n") {
		t.Errorf("exposition after shutdown lacks nexo_ws_draining 1:\n%s", body)
	}
}
