package main

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/ws"
)

//go:embed index.html
var page []byte

// topic carries one sample every interval.
const topic = "dashboard.metrics"

// samplesRoute is where pages receive the samples. Its messages are not
// counted in "messages/s", which reports the app's other traffic.
const samplesRoute = "/ws"

// window is how many samples the page plots, and how many the topic's
// history keeps, so that a page opened on a running server draws the last
// window samples at once instead of starting empty.
const window = 60

// sample is what the page plots. Every figure comes from the metrics
// registry that /metrics exposes, never from counters of the example's own.
type sample struct {
	At            time.Time `json:"at"`
	Goroutines    int       `json:"goroutines"`
	HeapBytes     uint64    `json:"heap_bytes"`
	Connections   int       `json:"connections"`
	MessagesPerS  float64   `json:"messages_per_s"`
	SlowConsumers uint64    `json:"slow_consumers"`
}

// newApp serves the page, the metrics socket and the Prometheus exposition
// at /metrics, and publishes a sample every interval until ctx ends.
//
// /metrics is open here because the example listens on loopback; behind a
// public address, serve it on an internal listener or behind auth.
func newApp(ctx context.Context, interval time.Duration, opts ...nexo.Option) *nexo.App {
	m := metrics.New()
	recent := channels.HistoryPolicy{Pattern: topic, MaxCount: window}
	opts = append([]nexo.Option{nexo.WithWS(ws.WithObserver(m)), nexo.WithHistory(recent)}, opts...)
	app := nexo.New(opts...)
	m.Attach(app)
	app.Handle("/metrics", m.Handler())
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.WebSocketRoute(samplesRoute, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil { // the handshake now, not with the first sample
			return err
		}
		// The recent samples, then {"type":"joined"}, then one a second.
		if _, err := channels.Join(c, topic, channels.RecoverLast(window)); err != nil {
			return err
		}
		<-c.Context().Done() // push only: the heartbeat still watches the client
		return nil
	})
	// Traffic to watch: every message comes back. Try it from the
	// browser's console: s = new WebSocket('ws://' + location.host + '/echo');
	// s.onopen = () => setInterval(() => s.send('hi'), 100).
	app.WebSocketRoute("/echo", func(c *ws.Conn) error {
		for msg := range c.Texts() {
			if err := c.SendText(msg); err != nil {
				return err
			}
		}
		return c.Err()
	})
	go publish(ctx, app, m, interval)
	return app
}

// publish reads the metrics and sends a sample every interval until ctx
// or the app ends. Messages per second is the rate of the message
// counters between two readings, the samples' own route left out.
func publish(ctx context.Context, app *nexo.App, m *metrics.Metrics, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last figures
	lastAt := time.Now()
	if f, err := readFigures(m.Registry(), samplesRoute); err == nil {
		last = f
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-app.Context().Done():
			return
		case now := <-t.C:
			f, err := readFigures(m.Registry(), samplesRoute)
			if err != nil {
				slog.Warn("dashboard: no sample", slog.Any("err", err))
				continue
			}
			rate := max(f.messages-last.messages, 0) / now.Sub(lastAt).Seconds()
			last, lastAt = f, now
			if err := app.Publish(ctx, topic, sample{
				At:            now.UTC(),
				Goroutines:    int(f.goroutines),
				HeapBytes:     uint64(f.heapBytes),
				Connections:   int(f.connections),
				MessagesPerS:  rate,
				SlowConsumers: uint64(f.slowConsumers),
			}); err != nil {
				slog.Warn("dashboard: publish", slog.Any("err", err))
			}
		}
	}
}
