package metrics_test

import (
	"log"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/metrics"
	"github.com/nexogo/nexo/ws"
)

// Wire the metrics into an App: the observer for connection figures, the
// broker decorator for publish timing, Attach for the App's own state,
// and one route for the exposition.
func Example() {
	m := metrics.New(metrics.WithPresenceTopics("room:lobby"))
	broker := channels.NewMemoryBroker()
	app := nexo.New(
		nexo.WithWS(ws.WithObserver(m)),
		nexo.WithBroker(m.Broker(broker)),
	)
	m.Attach(app)
	app.Handle("/metrics", m.Handler()) // expose it on an internal port or behind auth
	app.Get("/healthz", app.Healthz)
	app.Get("/readyz", app.Readyz)
	if false { // an example that compiles, not one that listens
		log.Fatal(app.Run("127.0.0.1:8000"))
	}
}

// Turn the metrics on in one line: every connection observed, the broker
// NEXO_BROKER opens timed, the exposition at /metrics.
func ExampleExpose() {
	app := nexo.New(metrics.Expose("/metrics"))
	app.Get("/readyz", app.Readyz)
	if false { // an example that compiles, not one that listens
		if err := app.Run("127.0.0.1:8000"); err != nil {
			log.Fatal(err)
		}
	}
}
