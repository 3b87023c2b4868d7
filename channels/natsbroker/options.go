package natsbroker

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nexogo/nexo/channels"
)

// Defaults of the options.
const (
	// DefaultURL is the server New connects to without WithURL.
	DefaultURL = "nats://127.0.0.1:4222"
	// DefaultPrefix names the subjects and buckets of a broker without
	// WithPrefix.
	DefaultPrefix = "nexo:"
	// DefaultLease is the presence lease without WithLease.
	DefaultLease = 15 * time.Second
	// MinLease is the shortest lease WithLease accepts: JetStream refuses
	// a bucket whose MaxAge is below 100 ms, and a lease is renewed three
	// times per period.
	MinLease = 300 * time.Millisecond
)

// Option configures New and Open.
type Option func(*config)

type config struct {
	url      string
	conn     *nats.Conn
	prefix   string
	lease    time.Duration
	logger   *slog.Logger
	instance string
	confirm  bool
	natsOpts []nats.Option
	history  channels.HistoryPolicies
}

// WithURL sets the server URL (default DefaultURL, the NEXO_NATS_URL of
// the App). A comma-separated list names several servers of a cluster.
func WithURL(url string) Option { return func(c *config) { c.url = url } }

// WithConn makes the broker use nc instead of connecting itself. The
// connection stays the caller's: Close unsubscribes but does not close it,
// and the broker installs no handler on it. Presence then shares nc
// (without WithConn it has a connection of its own), so lease renewals
// wait behind whatever else nc carries. Configure it as New would:
// nats.ReconnectBufSize(-1) so that a publish during an outage fails
// instead of being buffered, and nats.MaxReconnects(-1).
func WithConn(nc *nats.Conn) Option { return func(c *config) { c.conn = nc } }

// WithPrefix sets the namespace of the broker's subjects and buckets
// (default DefaultPrefix). Brokers share messages and presence only with
// brokers of the same prefix. See the package documentation for how a
// prefix and a topic become a NATS subject.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithLease sets the presence lease (default DefaultLease, at least
// MinLease): the entries of an instance that stops renewing its lease
// (it crashed, or lost the server for that long) drop out of every
// listing within one lease. The lease is renewed every third of it.
func WithLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// WithLogger sets the logger of connection events and background errors
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithInstanceID names this instance in presence entries
// (PresenceEntry.Instance) and in its lease (default a random UUID). Two
// live brokers must not share an ID.
func WithInstanceID(id string) Option { return func(c *config) { c.instance = id } }

// WithConfirmedPublish makes Publish wait for the server to have received
// the message (a PING/PONG round trip after it) before it returns. A
// message written just as the connection breaks then returns an error
// instead of nil; each Publish costs one round trip.
func WithConfirmedPublish() Option { return func(c *config) { c.confirm = true } }

// WithNATSOptions appends options to those New passes to nats.Connect
// (credentials, TLS, a name, ...). They are applied after the broker's
// own, so they can override the reconnect settings; keep
// nats.ReconnectBufSize(-1) for the publish guarantee.
func WithNATSOptions(opts ...nats.Option) Option {
	return func(c *config) { c.natsOpts = append(c.natsOpts, opts...) }
}
