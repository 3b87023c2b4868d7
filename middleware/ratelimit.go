package middleware

import (
	"fmt"
	"net/netip"

	"golang.org/x/time/rate"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// RatePolicy says what happens to a message over a connection's rate.
//
// Deprecated: use channels.RatePolicy, which it is (one policy for every
// rate limit in nexo).
type RatePolicy = channels.RatePolicy

const (
	// RateClose closes the connection with RateLimitOptions.MessageCode
	// (4429 by default) and the reason "rate limit exceeded".
	//
	// Deprecated: use channels.RateClose, which it is.
	RateClose = channels.RateClose
	// RateDrop discards the message and keeps the connection; every
	// dropped message with a ref is answered with a rate_limited error
	// frame carrying it (see channels.RateDrop).
	//
	// Deprecated: use channels.RateDrop, which it is.
	RateDrop = channels.RateDrop
)

// Close reasons of RateLimit.
const (
	reasonHandshakes = "too many connection attempts"
	reasonConns      = "too many connections from this address"
	reasonBusy       = "server busy"
)

// RateLimitOptions configures RateLimitWithOpts. Each limit is off when its
// rate or count is zero; a zero RateLimitOptions limits nothing.
type RateLimitOptions struct {
	// MessageRate is how many messages per second each connection may
	// send on average, and MessageBurst how many it may send at once
	// (default: one second's worth, at least 1). Every data message
	// counts, before the handler sees it.
	MessageRate  rate.Limit
	MessageBurst int
	// Policy says what happens to a message over the rate:
	// channels.RateClose (default) or channels.RateDrop, which answers
	// every dropped message that carries a ref with a rate_limited error
	// frame carrying it.
	Policy channels.RatePolicy
	// MessageCode is the close code of RateClose (default 4429).
	MessageCode int

	// HandshakeRate is how many connection attempts per second each
	// client address may make, and HandshakeBurst how many at once
	// (default: one second's worth, at least 1). Attempts over the rate
	// are closed with HandshakeCode (default 4429) right after the
	// handshake.
	HandshakeRate  rate.Limit
	HandshakeBurst int
	HandshakeCode  int

	// MaxConnsPerIP caps the open connections of each client address.
	// Connections over it are closed with ConnsCode (default 1013, try
	// again later) right after the handshake. A connection counts until it
	// has been torn down.
	MaxConnsPerIP int
	ConnsCode     int

	// TrustedProxies lists the reverse proxies (CIDR prefixes or single
	// addresses) whose ProxyHeader is believed; see ClientIPFrom. Empty
	// means the client address is the socket peer. A malformed entry
	// panics.
	TrustedProxies []string
	// ProxyHeader is the header the trusted proxies set (default
	// X-Forwarded-For).
	ProxyHeader ProxyHeader
	// IPv6Prefix groups IPv6 clients by this prefix length (default 64),
	// since one host commonly holds a whole /64. 128 limits each address.
	IPv6Prefix int
	// MaxClients bounds how many client addresses are tracked (default
	// DefaultMaxClients). Idle addresses are forgotten as soon as their
	// handshake bucket has refilled; when the table is full anyway, the
	// least recently seen idle address is forgotten early, and when every
	// tracked address has open connections, new addresses are closed with
	// 1013 and the reason "server busy".
	MaxClients int
}

// RateLimit limits each connection to perSecond messages on average, with
// bursts of burst, closing a connection that goes over with 4429
// (ws.CloseRateLimited) and the reason "rate limit exceeded". Other
// connections are not affected. See RateLimitWithOpts for the drop policy
// and for per-client-address limits on handshakes and open connections.
//
// It panics when perSecond or burst is not positive.
func RateLimit(perSecond rate.Limit, burst int) ws.Middleware {
	if perSecond <= 0 || burst <= 0 {
		panic("middleware: RateLimit needs a positive rate and burst")
	}
	return RateLimitWithOpts(RateLimitOptions{MessageRate: perSecond, MessageBurst: burst})
}

// MaxConnsPerIP caps the open connections of each client address (the
// socket peer) at n; connections over it are closed with 1013
// (ws.CloseTryAgainLater) and the reason "too many connections from this
// address". It is RateLimitWithOpts(RateLimitOptions{MaxConnsPerIP: n}).
//
// It panics when n is not positive.
func MaxConnsPerIP(n int) ws.Middleware {
	if n <= 0 {
		panic("middleware: MaxConnsPerIP needs a positive count")
	}
	return RateLimitWithOpts(RateLimitOptions{MaxConnsPerIP: n})
}

// RateLimitWithOpts returns a middleware that applies opts. The limits
// run before the handshake, cheapest first: handshake rate, then the
// connection cap, then (once the connection is let in) the message rate,
// applied with a ws.MessageFilter on the connection's reading goroutine.
//
// The per-client state belongs to the returned middleware: add it once
// with app.UseWS to share the limits between every route, or per route for
// separate budgets. It starts no goroutine and needs no Close; memory is
// bounded by MaxClients.
//
// A refused client sees the handshake complete and then a close frame with
// the code and a fixed reason, so that a browser script can tell a limit
// from a network error; a browser that offered its token as a subprotocol
// gets AuthProtocol answered, as TokenAuth does, or it would see only a
// failed connection. Refusals are logged at debug level on the
// connection's logger.
//
// The returned middleware is safe for concurrent use. It panics on
// negative settings, malformed TrustedProxies and close codes a close
// frame may not carry (ws.ValidCloseCode).
func RateLimitWithOpts(opts RateLimitOptions) ws.Middleware {
	if opts.MessageRate < 0 || opts.HandshakeRate < 0 || opts.MessageBurst < 0 || opts.HandshakeBurst < 0 ||
		opts.MaxConnsPerIP < 0 || opts.MaxClients < 0 || opts.IPv6Prefix < 0 || opts.IPv6Prefix > 128 {
		panic("middleware: RateLimitWithOpts: negative or out-of-range setting")
	}
	trusted, err := ParseTrusted(opts.TrustedProxies...)
	if err != nil {
		panic(fmt.Sprintf("middleware: RateLimitWithOpts: trusted proxies: %v", err))
	}
	opts.MessageBurst = defaultBurst(opts.MessageRate, opts.MessageBurst)
	opts.HandshakeBurst = defaultBurst(opts.HandshakeRate, opts.HandshakeBurst)
	opts.MessageCode = orDefault(opts.MessageCode, ws.CloseRateLimited)
	opts.HandshakeCode = orDefault(opts.HandshakeCode, ws.CloseRateLimited)
	opts.ConnsCode = orDefault(opts.ConnsCode, ws.CloseTryAgainLater)
	for _, code := range []int{opts.MessageCode, opts.HandshakeCode, opts.ConnsCode} {
		if !ws.ValidCloseCode(code) {
			panic(fmt.Sprintf("middleware: RateLimitWithOpts: close code %d may not be sent (see ws.ValidCloseCode)", code))
		}
	}
	opts.IPv6Prefix = orDefault(opts.IPv6Prefix, 64)
	opts.MaxClients = orDefault(opts.MaxClients, DefaultMaxClients)

	var limit ws.MessageFilter
	if opts.MessageRate > 0 {
		limit = messageLimit(opts)
	}
	var table *clientTable
	if opts.HandshakeRate > 0 || opts.MaxConnsPerIP > 0 {
		table = newClientTable(opts.HandshakeRate, opts.HandshakeBurst, opts.MaxConnsPerIP, opts.MaxClients, opts.IPv6Prefix)
	}
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if table != nil {
				ip := ClientIPFrom(c.Request(), trusted, opts.ProxyHeader)
				if !ip.IsValid() {
					ip = netip.IPv6Unspecified() // not from a socket: one shared budget
				}
				switch adm, release := table.admit(ip); adm {
				case admitted:
					c.AfterClose(release)
				case overRate:
					return refuse(c, ip, opts.HandshakeCode, reasonHandshakes)
				case overCap:
					return refuse(c, ip, opts.ConnsCode, reasonConns)
				default:
					return refuse(c, ip, ws.CloseTryAgainLater, reasonBusy)
				}
			}
			if limit != nil {
				if err := c.Configure(ws.WithMessageFilter(limit)); err != nil {
					return fmt.Errorf("middleware: RateLimit after the handshake: %w", err)
				}
			}
			return next(c)
		}
	}
}

// messageLimit returns channels.RateLimit's filter (a token bucket per
// connection), closing with opts.MessageCode under RateClose.
func messageLimit(opts RateLimitOptions) ws.MessageFilter {
	f := channels.RateLimit(opts.MessageRate, opts.MessageBurst, opts.Policy)
	if opts.MessageCode == ws.CloseRateLimited {
		return f
	}
	return func(c *ws.Conn, m ws.Message) error {
		err := f(c, m)
		if ce, ok := err.(*ws.CloseError); ok {
			return &ws.CloseError{Code: opts.MessageCode, Reason: ce.Reason}
		}
		return err
	}
}

// refuse closes c with code and reason and logs it at debug level. It
// returns nil: a refused client is not a handler failure.
func refuse(c *ws.Conn, ip netip.Addr, code int, reason string) error {
	c.Config().Logger.Debug("middleware: connection refused",
		"conn", c.ID(), "path", c.Request().URL.Path, "client", ip, "code", code, "reason", reason)
	closeRefused(c, code, reason)
	return nil
}

// defaultBurst is burst, or one second's worth of r (at least 1).
func defaultBurst(r rate.Limit, burst int) int {
	if burst > 0 || r <= 0 {
		return burst
	}
	if r == rate.Inf || r > 1<<20 {
		return 1 << 20
	}
	return max(1, int(r))
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
