package nexo

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// Option configures an App.
type Option func(*config)

type config struct {
	noClient        bool
	broker          channels.Broker
	wrappers        []func(channels.Broker) channels.Broker
	setups          []func(*App)
	history         channels.HistoryPolicies
	wsOpts          []ws.Option
	shutdownWindow  time.Duration
	shutdownTimeout time.Duration
	logger          *slog.Logger
	userID          func(*ws.Conn) string
	servers         []func(*http.Server)
	registries      []*channels.Registry // WithRegistry
}

// WithServer changes the http.Server that Run, RunTLS, Serve and
// ServeTLS start, after nexo has set its limits (DefaultReadHeaderTimeout,
// DefaultReadTimeout, DefaultIdleTimeout, DefaultMaxHeaderBytes) and its
// Handler (the App), so that f may change any field, TLSConfig included,
// or wrap the Handler. Functions apply in the order given.
func WithServer(f func(*http.Server)) Option {
	return func(c *config) { c.servers = append(c.servers, f) }
}

// WithWS sets the WebSocket defaults of every route: limits, heartbeat,
// origins, compression.
func WithWS(opts ...ws.Option) Option {
	return func(c *config) { c.wsOpts = append(c.wsOpts, opts...) }
}

// WithShutdownWindow sets the time over which Shutdown spreads the 1001
// closes of live WebSockets (default 1 s), so that clients do not all
// reconnect at the same instant.
func WithShutdownWindow(d time.Duration) Option {
	return func(c *config) { c.shutdownWindow = d }
}

// WithShutdownTimeout bounds the graceful shutdown done by Run and Serve
// (default 10 s).
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) { c.shutdownTimeout = d }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithBroker sets the App's broker, overriding NEXO_BROKER. The App does
// not close a broker it was given.
func WithBroker(b channels.Broker) Option {
	return func(c *config) { c.broker = b }
}

// WithBrokerWrapper decorates the App's broker, the one NEXO_BROKER opens
// or the one WithBroker gives, with w: to time publishes, for example
// (metrics.Expose does). Wrappers apply in the order given. A wrapper's
// Close must close what it wraps; the App closes the outermost broker when
// it opened the broker itself.
func WithBrokerWrapper(w func(channels.Broker) channels.Broker) Option {
	return func(c *config) { c.wrappers = append(c.wrappers, w) }
}

// WithSetup runs f on the App at the end of New, once its WebSocket server
// and broker exist, in the order given: a way for a package to register
// routes of its own from one option (metrics.Expose does).
func WithSetup(f func(*App)) Option {
	return func(c *config) { c.setups = append(c.setups, f) }
}

// Options combines several options into one, applied in order.
func Options(opts ...Option) Option {
	return func(c *config) {
		for _, o := range opts {
			o(c)
		}
	}
}

// WithHistory keeps the history of the topics that match the policies
// (the first matching policy applies) in the broker the App opens from
// NEXO_BROKER: a ring buffer in process, Redis streams, or JetStream
// streams. channels.WithRecovery and channels.RecoverLast need it. A
// broker given with WithBroker is configured by its maker instead
// (channels.KeepHistory, redisbroker.WithHistory, natsbroker.WithHistory).
func WithHistory(policies ...channels.HistoryPolicy) Option {
	return func(c *config) { c.history = append(c.history, policies...) }
}

// WithoutClient stops the App from serving the browser client at
// /nexo/client.js and its React hook at /nexo/react.js.
func WithoutClient() Option {
	return func(c *config) { c.noClient = true }
}

// WithUserID sets how the App tells a connection's user for
// DisconnectUser: f returns the user ID of a connection, or "" for none.
// The default is UserIDOf. f is called from the broker's goroutines, for
// every connection of the instance, and must be quick.
func WithUserID(f func(*ws.Conn) string) Option {
	return func(c *config) { c.userID = f }
}
