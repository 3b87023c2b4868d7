package ws

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-playground/validator/v10"
)

// Default limits. Each can be changed with an Option.
const (
	DefaultReadLimit        = 1 << 20 // 1 MiB per message
	DefaultSendQueue        = 1024    // messages waiting to be written
	DefaultSendQueueBytes   = 4 << 20 // bytes waiting to be written
	DefaultPingInterval     = 25 * time.Second
	DefaultPongTimeout      = 10 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultCloseTimeout     = 5 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultReadBuffer       = 1 << 10 // bytes read from the socket at a time
)

// SlowConsumerPolicy says what happens when a connection's send queue is
// full.
type SlowConsumerPolicy int

const (
	// SlowConsumerClose drops what is queued and closes the connection with
	// 1013 and the reason "connection too slow to keep up with messages".
	// It is the default.
	SlowConsumerClose SlowConsumerPolicy = iota
	// SlowConsumerDrop refuses the new message: the send returns
	// ErrSendQueueFull, it is counted in Stats.Dropped, and the connection
	// stays open.
	SlowConsumerDrop
	// SlowConsumerBlock makes a direct send (SendText, SendBytes,
	// SendJSON, Send, SendMessage) wait until the queue has room, for
	// WriteTimeout at most and never past the end of the connection: on
	// time out it returns ErrSendQueueFull and counts it in Stats.Dropped,
	// the connection stays open. SendPrepared (the path of topics, groups,
	// SendTo and broadcasts) never waits, so that one slow member never
	// holds up the others: there it drops, as SlowConsumerDrop does.
	// Control frames are never waited for either.
	SlowConsumerBlock
)

// Config holds the settings of a connection. The zero value is the safe
// default: same-host origins only, 1 MiB messages, a send queue of 1,024
// messages and 4 MiB that closes slow consumers, pings every 25 s, no
// compression.
type Config struct {
	// ReadLimit is the largest message accepted, in bytes after
	// decompression. Larger messages close the connection with 1009.
	ReadLimit int64
	// ReadBuffer is the size of the buffer a connection reads the socket
	// through. It bounds how many small messages one read system call can
	// bring in, not the message size: payloads larger than it are read
	// straight into the message. On a plain TCP or Unix socket the buffer
	// is borrowed from a pool of the Server's while bytes arrive and given
	// back between messages, so an idle connection holds none. Over TLS
	// the connection waits for its next message in the TLS connection's
	// read, holding the buffer: there the 1 KiB default keeps an idle
	// connection small, and a connection that receives floods of small
	// messages reads fewer times with a larger one.
	ReadBuffer int
	// SendQueue is how many messages may wait to be written.
	SendQueue int
	// SendQueueBytes is how many bytes of messages may wait to be written
	// (default 4 MiB; negative: no bound in bytes). A send that would pass
	// it meets the SlowConsumer policy, as a full SendQueue does; a single
	// message larger than the bound is still queued when nothing else is.
	SendQueueBytes int
	// SlowConsumer says what happens when the send queue is full.
	SlowConsumer SlowConsumerPolicy
	// OnDrain, when set, is called once the send queue has fallen to its
	// low-water mark after having been above it (or after a send found it
	// full): at most DrainLowWater bytes and half of SendQueue messages
	// queued. It runs on a goroutine of its own, never on the writer's,
	// and may send. Calls never overlap: a drain that comes while OnDrain
	// runs calls it again once it returns, if the queue is still at the
	// mark then. See Conn.BufferedAmount.
	OnDrain func(c *Conn)
	// DrainLowWater is the low-water mark of OnDrain, in bytes queued.
	// Zero means half of SendQueueBytes (no mark in bytes when
	// SendQueueBytes is unbounded).
	DrainLowWater int
	// PingInterval is the time between pings; negative disables heartbeats.
	PingInterval time.Duration
	// PongTimeout is how long a pong may take before the connection is
	// closed with 4000.
	PongTimeout time.Duration
	// WriteTimeout bounds each write to the network.
	WriteTimeout time.Duration
	// CloseTimeout bounds the closing handshake.
	CloseTimeout time.Duration
	// HandshakeTimeout bounds the handshake, from the upgrade request to
	// the response written by Accept. A request whose handler has neither
	// accepted nor refused by then is refused with 503 and its
	// connection's context ends (a request whose client leaves first is
	// dropped at once). The deadline is read from the Server's settings
	// (nexo.WithWS), not per route.
	HandshakeTimeout time.Duration
	// MaxConnections bounds the connections a Server holds at once; zero
	// means no bound. A handshake over it completes and is closed at once
	// with 1013 and "server at connection limit", before any middleware
	// or handler runs, so that clients back off. It is read from the
	// Server's settings (nexo.WithWS), not per route.
	MaxConnections int
	// MaxLifetime closes a connection with 1001 once it has been open this
	// long, so that load balancers can rebalance. Zero means no limit.
	MaxLifetime time.Duration
	// IdleTimeout closes a connection with 1001 and the reason
	// "idle timeout" (IdleReason) once its peer has sent no data message
	// for this long. Pings, pongs and the server's heartbeats do not count:
	// a client that only answers heartbeats is idle. Zero means no limit.
	IdleTimeout time.Duration
	// Origins lists the origins allowed besides the request's own host:
	// exact origins ("https://app.example.com") or wildcards
	// ("https://*.example.com"). "*" allows any origin and must be set with
	// WithInsecureAnyOrigin.
	Origins []string
	// CheckOrigin, when set, replaces the origin check entirely.
	CheckOrigin func(r *http.Request) bool
	// Subprotocols are the subprotocols the server speaks, in preference
	// order.
	Subprotocols []string
	// Compression enables permessage-deflate when the client offers it.
	// Every message to a connection that negotiated it is then compressed,
	// unless CompressOnRequest is set.
	Compression bool
	// CompressOnRequest, with Compression, compresses only the messages
	// that ask for it: a PreparedMessage made by NewCompressedMessage or
	// PrepareCompressed (channels.Compress on a publish or a group
	// send). Others go out uncompressed, to connections that
	// negotiated permessage-deflate too. As uWebSockets' send(msg,
	// compress=true).
	CompressOnRequest bool
	// Logger receives handler errors and panics. Nil means slog.Default().
	Logger *slog.Logger
	// Filters inspect every data message before the handler sees it.
	Filters []MessageFilter
	// Observer is told about connections opening, closing and failing.
	Observer Observer
	// IDPrefix is put in front of every connection ID (Conn.ID). An App
	// sets it to its instance ID and a dot, over any value given, so that
	// an ID tells which instance holds the connection. It is read from
	// the Server's settings.
	IDPrefix string
	// Validator checks the `validate:` tags of decoded messages (ws.Decode,
	// Conn.Validate, and through them the channels package). Nil means
	// NewValidator(). It is read from the Server's settings (nexo.WithWS,
	// nexo.WithValidator), not per route.
	Validator *validator.Validate
}

// Option changes a Config.
type Option func(*Config)

// WithReadLimit sets the largest message accepted, in bytes.
func WithReadLimit(n int64) Option { return func(c *Config) { c.ReadLimit = n } }

// WithReadBuffer sets the size of the buffer the socket is read through.
// See Config.ReadBuffer.
func WithReadBuffer(n int) Option { return func(c *Config) { c.ReadBuffer = n } }

// WithSendQueue sets the send queue length and what happens when it is full.
func WithSendQueue(n int, policy SlowConsumerPolicy) Option {
	return func(c *Config) { c.SendQueue, c.SlowConsumer = n, policy }
}

// WithSlowConsumerPolicy sets what happens when the send queue is full,
// keeping its length: SlowConsumerClose (the default), SlowConsumerDrop or
// SlowConsumerBlock. Given to a route, it applies to that route's
// connections only.
func WithSlowConsumerPolicy(p SlowConsumerPolicy) Option {
	return func(c *Config) { c.SlowConsumer = p }
}

// WithOnDrain calls fn once a connection's send queue has fallen to
// lowWater bytes (0: half of SendQueueBytes) and half of SendQueue messages
// after having been above them. See Config.OnDrain.
func WithOnDrain(lowWater int, fn func(c *Conn)) Option {
	return func(c *Config) { c.DrainLowWater, c.OnDrain = lowWater, fn }
}

// WithSendQueueBytes bounds the bytes waiting in a connection's send queue.
// See Config.SendQueueBytes.
func WithSendQueueBytes(n int) Option { return func(c *Config) { c.SendQueueBytes = n } }

// WithHeartbeat sets the ping interval and how long a pong may take. A
// negative interval disables heartbeats.
func WithHeartbeat(interval, timeout time.Duration) Option {
	return func(c *Config) { c.PingInterval, c.PongTimeout = interval, timeout }
}

// WithWriteTimeout bounds each write to the network.
func WithWriteTimeout(d time.Duration) Option { return func(c *Config) { c.WriteTimeout = d } }

// WithHandshakeTimeout bounds the time a handler has to Accept or refuse
// (default 10 s). See Config.HandshakeTimeout.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *Config) { c.HandshakeTimeout = d }
}

// WithCloseTimeout bounds the closing handshake.
func WithCloseTimeout(d time.Duration) Option { return func(c *Config) { c.CloseTimeout = d } }

// WithMaxConnections bounds the connections the Server holds at once. See
// Config.MaxConnections.
func WithMaxConnections(n int) Option { return func(c *Config) { c.MaxConnections = n } }

// WithMaxLifetime closes connections with 1001 after d.
func WithMaxLifetime(d time.Duration) Option { return func(c *Config) { c.MaxLifetime = d } }

// WithIdleTimeout closes connections whose peer sent no data message for d,
// with 1001 "idle timeout". See Config.IdleTimeout.
func WithIdleTimeout(d time.Duration) Option { return func(c *Config) { c.IdleTimeout = d } }

// WithOrigins allows these origins besides the same host. See Config.Origins.
func WithOrigins(origins ...string) Option {
	return func(c *Config) { c.Origins = append(c.Origins[:len(c.Origins):len(c.Origins)], origins...) }
}

// WithInsecureAnyOrigin allows cross-site pages to open connections. Only use
// it when every route authenticates with something a browser does not send
// on its own (a token, not a cookie).
func WithInsecureAnyOrigin() Option {
	return func(c *Config) { c.CheckOrigin = func(*http.Request) bool { return true } }
}

// WithSubprotocols sets the subprotocols the server speaks, in preference
// order.
func WithSubprotocols(protocols ...string) Option {
	return func(c *Config) { c.Subprotocols = protocols }
}

// WithCompression enables permessage-deflate when the client offers it.
func WithCompression() Option { return func(c *Config) { c.Compression = true } }

// WithCompressionOnRequest enables permessage-deflate when the client
// offers it, and compresses only the messages that ask for it. See
// Config.CompressOnRequest.
func WithCompressionOnRequest() Option {
	return func(c *Config) { c.Compression, c.CompressOnRequest = true, true }
}

// WithIDPrefix puts prefix in front of every connection ID. See
// Config.IDPrefix.
func WithIDPrefix(prefix string) Option { return func(c *Config) { c.IDPrefix = prefix } }

// WithLogger sets the logger for handler errors and panics.
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.ReadBuffer <= 0 {
		c.ReadBuffer = DefaultReadBuffer
	}
	if c.SendQueue <= 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.SendQueueBytes == 0 {
		c.SendQueueBytes = DefaultSendQueueBytes
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = DefaultPongTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

func (c Config) with(opts []Option) Config {
	for _, o := range opts {
		o(&c)
	}
	return c
}
