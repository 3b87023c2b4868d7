package channels

import (
	"bytes"
	"encoding/json"
	"fmt"

	"golang.org/x/time/rate"

	"github.com/nexogo/nexo/ws"
)

// RatePolicy says what happens to a message over a rate limit.
type RatePolicy int

const (
	// RateClose closes the connection with 4429 (ws.CloseRateLimited) and
	// the reason "rate limit exceeded". It is the default.
	RateClose RatePolicy = iota
	// RateDrop drops the message and sends the error frame
	// {"type":"error","error":"rate_limited","message":"rate limit exceeded"},
	// with the message's "ref" when it carried one. The connection stays
	// open.
	RateDrop
)

// rateConfig is one rate limit: a token bucket per connection.
type rateConfig struct {
	limit  rate.Limit
	burst  int
	policy RatePolicy
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
		l, ok := v.(*rate.Limiter)
		if !ok {
			l = rate.NewLimiter(rc.limit, rc.burst)
			c.Set(key, l)
		}
		if l.Allow() {
			return nil
		}
		if rc.policy == RateClose {
			return &ws.CloseError{Code: ws.CloseRateLimited, Reason: reasonRateLimited}
		}
		rc.answer(c, m)
		return ws.ErrDropMessage
	}
}

const reasonRateLimited = "rate limit exceeded"

// refuse applies the policy to m outside a filter.
func (rc *rateConfig) refuse(c *ws.Conn, m ws.Message) {
	if rc.policy == RateClose {
		c.Close(ws.CloseRateLimited, reasonRateLimited)
		return
	}
	rc.answer(c, m)
}

// answer sends the rate_limited error frame for m, echoing its ref.
func (rc *rateConfig) answer(c *ws.Conn, m ws.Message) {
	f := ws.ErrorFrame{Type: "error", Error: "rate_limited", Message: reasonRateLimited}
	if ref := refOf(m); ref != nil {
		f.Ref = ref
	}
	c.SendJSON(f)
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
