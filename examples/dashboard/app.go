package main

import (
	"context"
	_ "embed"
	"net/http"
	"runtime"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

//go:embed index.html
var page []byte

// topic carries one sample a second.
const topic = "dashboard.metrics"

// sample is what the page plots.
type sample struct {
	At            time.Time `json:"at"`
	Goroutines    int       `json:"goroutines"`
	HeapBytes     uint64    `json:"heap_bytes"`
	Connections   int       `json:"connections"`
	MessagesPerS  float64   `json:"messages_per_s"`
	SlowConsumers uint64    `json:"slow_consumers"`
}

// newApp serves the page and the metrics socket, and publishes a sample
// every interval until ctx ends.
func newApp(ctx context.Context, opts ...nexo.Option) *nexo.App {
	app := nexo.New(opts...)
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		if _, err := channels.Join(c, topic); err != nil {
			return err
		}
		<-c.Context().Done() // push only: the heartbeat still watches the client
		return nil
	})
	go publish(ctx, app, time.Second)
	return app
}

// publish sends a sample every interval until ctx or the app ends.
func publish(ctx context.Context, app *nexo.App, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastMsgs uint64
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-app.Context().Done():
			return
		case now := <-t.C:
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			var msgs uint64
			for _, c := range app.WS().Conns() {
				st := c.Stats()
				msgs += st.MessagesIn + st.MessagesOut
			}
			rate := float64(msgs-min(msgs, lastMsgs)) / now.Sub(last).Seconds()
			lastMsgs, last = msgs, now
			st := app.WS().Stats()
			app.Publish(ctx, topic, sample{
				At: now.UTC(), Goroutines: runtime.NumGoroutine(), HeapBytes: ms.HeapAlloc,
				Connections: st.Open, MessagesPerS: rate, SlowConsumers: st.SlowConsumers,
			})
		}
	}
}
