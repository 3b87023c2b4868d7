package redisbroker

import (
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo/channels"
)

// Defaults of the options.
const (
	// DefaultURL is the server New connects to without WithURL.
	DefaultURL = "redis://127.0.0.1:6379"
	// DefaultPrefix names the channels and keys of a broker without
	// WithPrefix.
	DefaultPrefix = "nexo:"
	// DefaultLease is the presence lease without WithLease.
	DefaultLease = 15 * time.Second
	// MinLease is the shortest lease WithLease accepts; the lease is
	// renewed three times per period.
	MinLease = 300 * time.Millisecond
)

// Option configures New and Open.
type Option func(*config)

type config struct {
	url       string
	client    *redis.Client
	prefix    string
	lease     time.Duration
	logger    *slog.Logger
	instance  string
	idle      time.Duration // silence on the subscription before a PING
	redisOpts []func(*redis.Options)
	history   channels.HistoryPolicies
}

// WithURL sets the server URL (default DefaultURL, the NEXO_REDIS_URL of
// the App), in the form redis.ParseURL reads:
// redis://[user:password@]host:port[/db], or rediss:// for TLS.
func WithURL(url string) Option { return func(c *config) { c.url = url } }

// WithClient makes the broker use rc instead of connecting itself. The
// client stays the caller's: Close does not close it. Configure it as New
// would: MaxRetries -1, so that a PUBLISH whose reply was lost is not sent
// twice, and DialerRetries 1, so that commands fail at once while the
// server is away.
func WithClient(rc *redis.Client) Option { return func(c *config) { c.client = rc } }

// WithPrefix sets the namespace of the broker's channels and keys
// (default DefaultPrefix). Brokers share messages and presence only with
// brokers of the same prefix.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// WithLease sets the presence lease (default DefaultLease, at least
// MinLease): the entries of an instance that stops renewing its lease (it
// crashed, or lost the server for that long) drop out of every listing
// within one lease. The lease is renewed every third of it.
func WithLease(d time.Duration) Option { return func(c *config) { c.lease = d } }

// WithLogger sets the logger of connection events and background errors
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithInstanceID names this instance in presence entries
// (PresenceEntry.Instance) and in its lease (default a random UUID). Two
// live brokers must not share an ID.
func WithInstanceID(id string) Option { return func(c *config) { c.instance = id } }

// WithRedisOptions changes the options New builds from the URL before it
// connects (credentials, TLS, pool size, a dialer...). They run after the
// broker's own settings, so they can override them; keep MaxRetries -1 for
// the exactly-once guarantee of Publish, and DialerRetries 1 for Publish to
// fail at once during an outage.
func WithRedisOptions(fn ...func(*redis.Options)) Option {
	return func(c *config) { c.redisOpts = append(c.redisOpts, fn...) }
}
