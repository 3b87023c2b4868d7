package channels

import (
	"time"

	"golang.org/x/time/rate"
)

// ChannelOption changes a Channel made by NewChannel.
type ChannelOption func(*channelConfig)

type channelConfig struct {
	ttl             time.Duration
	rate            *rateConfig
	authRequired    bool
	closeOnMismatch bool
}

// WithTTL makes the channel expire d after it is made: a timer of its own
// closes its connection with 1001 and the reason "channel expired"
// (ExpiredReason), with or without a Registry janitor; it leaves every
// group and registry, and its sends and receives return errors matching
// ErrExpired and ws.ErrClosed.
// A d of zero or less means the channel never expires.
func WithTTL(d time.Duration) ChannelOption {
	return func(c *channelConfig) { c.ttl = d }
}

// WithRateLimit limits the messages the peer may send on the channel's
// connection to limit per second with bursts of burst (a token bucket,
// golang.org/x/time/rate). Over the limit, policy applies: RateClose closes
// the connection with 4429, RateDrop drops the message and answers with the
// error frame {"type":"error","error":"rate_limited",...}.
//
// The limit is a ws.MessageFilter installed with Configure, so it counts
// every data message, whoever reads it; NewChannel must then run before the
// handshake. On a connection already accepted it is checked by the
// channel's Receive methods instead.
func WithRateLimit(limit rate.Limit, burst int, policy RatePolicy) ChannelOption {
	return func(c *channelConfig) { c.rate = &rateConfig{limit: limit, burst: burst, policy: policy} }
}

// WithAuthRequired makes the channel's sends and receives return
// ErrUnauthenticated until an authenticated user is stored on the
// connection under UserKey (as nexo's auth middleware does, or
// c.Set(channels.UserKey, user) after a login message).
func WithAuthRequired() ChannelOption {
	return func(c *channelConfig) { c.authRequired = true }
}

// WithCloseOnMismatch closes the connection with 1003 (unsupported data)
// when a frame of the wrong kind arrives (binary on a Text channel, text on
// a Bytes channel), instead of only returning an ErrPayloadType error.
func WithCloseOnMismatch() ChannelOption {
	return func(c *channelConfig) { c.closeOnMismatch = true }
}
