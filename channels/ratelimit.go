package channels

import (
	"bytes"
	"encoding/json"
	"fmt"

	"golang.org/x/time/rate"

	"github.com/nexogo/nexo/ws"
)

// RatePolicy says what happens to a message over a rate limit. It is the
// one policy of every rate limit in nexo: WithRateLimit, RateLimit and
// middleware.RateLimitWithOpts.
type RatePolicy int

const (
	// RateClose closes the connection with 4429 (ws.CloseRateLimited) and
	// the reason "rate limit exceeded". It is the default.
	RateClose RatePolicy = iota
	// RateDrop drops the message and keeps the connection. A dropped
	// message that carried a "ref" (a JSON object with a non-null "ref")
	// is always answered with the error frame
	// {"type":"error","error":"rate_limited","message":"rate limit exceeded","ref":ref},
	// so that a client awaiting a reply never waits in vain. Of a run of
	// dropped messages without a ref, only the first is answered (without
	// a ref), so that a flood is not echoed back.
	RateDrop
)

// rateConfig is one rate limit: a token bucket per connection.
type rateConfig struct {
	limit  rate.Limit
	burst  int
	policy RatePolicy
}

// rateBucket is one connection's state under a rate limit. It is used on
// the connection's reading goroutine (a filter, or Receive), one message
// at a time.
type rateBucket struct {
	lim      *rate.Limiter
	dropping bool // the last message was dropped
}

func (rc *rateConfig) newBucket() *rateBucket {
	return &rateBucket{lim: rate.NewLimiter(rc.limit, rc.burst)}
}

// RateLimit returns a ws.MessageFilter that limits every connection it
// runs for to limit messages per second with bursts of burst, applying
// policy over the limit (see RatePolicy). Each connection gets its own
// token bucket, so the filter may be installed server-wide:
//
//	srv := ws.NewServer(ctx, ws.WithMessageFilter(channels.RateLimit(10, 20, channels.RateDrop)))
func RateLimit(limit rate.Limit, burst int, policy RatePolicy) ws.MessageFilter {
	return (&rateConfig{limit: limit, burst: burst, policy: policy}).filter()
}

// filter returns the MessageFilter of rc. The token bucket of each
// connection is stored on it under a key unique to this filter; filters run
// on the connection's reading goroutine, one message at a time.
func (rc *rateConfig) filter() ws.MessageFilter {
	key := fmt.Sprintf("nexo.ratelimit.%p", rc)
	return func(c *ws.Conn, m ws.Message) error {
		v, _ := c.Get(key)
		b, ok := v.(*rateBucket)
		if !ok {
			b = rc.newBucket()
			c.Set(key, b)
		}
		return rc.admit(b, c, m)
	}
}

const reasonRateLimited = "rate limit exceeded"

// admit takes a token from b for m. It returns nil when m passes,
// ws.ErrDropMessage when RateDrop drops it (answered as RateDrop says),
// and the *ws.CloseError to close with under RateClose.
func (rc *rateConfig) admit(b *rateBucket, c *ws.Conn, m ws.Message) error {
	if b.lim.Allow() {
		b.dropping = false
		return nil
	}
	if rc.policy == RateClose {
		return &ws.CloseError{Code: ws.CloseRateLimited, Reason: reasonRateLimited}
	}
	ref := refOf(m)
	if ref != nil || !b.dropping {
		f := ws.ErrorFrame{Type: "error", Error: "rate_limited", Message: reasonRateLimited}
		if ref != nil {
			f.Ref = ref
		}
		c.SendJSON(f)
	}
	b.dropping = true
	return ws.ErrDropMessage
}

// refOf returns the "ref" of a JSON object message, or nil.
func refOf(m ws.Message) json.RawMessage {
	data := bytes.TrimLeft(m.Data, " \t\r\n")
	if m.Type != ws.TextMessage || len(data) == 0 || data[0] != '{' {
		return nil
	}
	var f struct {
		Ref json.RawMessage `json:"ref"`
	}
	if json.Unmarshal(data, &f) != nil || isNull(f.Ref) {
		return nil
	}
	return f.Ref
}

// isNull reports whether a raw JSON value is absent or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
