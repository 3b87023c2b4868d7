package metrics

import (
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// Expose is the one line that turns metrics on: as an option of nexo.New,
// it makes a Metrics with opts, observes every connection, decorates the
// App's broker (the one NEXO_BROKER opens, or the one nexo.WithBroker
// gives) to time publishes, attaches the App and serves the exposition at
// path:
//
//	app := nexo.New(metrics.Expose("/metrics"))
//
// Use New and wire it by hand to reach the Metrics itself, for example to
// observe groups or to register collectors of the application.
func Expose(path string, opts ...Option) nexo.Option {
	m := New(opts...)
	return nexo.Options(
		nexo.WithWS(ws.WithObserver(m)),
		nexo.WithBrokerWrapper(m.Broker),
		nexo.WithSetup(func(app *nexo.App) {
			m.Attach(app)
			app.Handle(path, m.Handler())
		}),
	)
}
