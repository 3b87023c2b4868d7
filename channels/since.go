package channels

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nexogo/nexo/ws"
)

// SinceParam is the handshake query parameter in which a client sends its
// last position per topic: URL-encoded JSON,
// {"chat:lobby":{"epoch":"E","offset":42}}.
const SinceParam = "nexo_since"

// Bounds of SinceParam; a larger value is ignored.
const (
	MaxSinceBytes  = 8 << 10
	MaxSinceTopics = 64
)

// sinceKey is the ws.Conn value caching the parsed SinceParam.
const sinceKey = "nexo.since"

// errSince describes a SinceParam that is ignored.
var errSince = errors.New("channels: ignoring " + SinceParam)

// ParseSince parses the value of SinceParam. A value over MaxSinceBytes or
// MaxSinceTopics, or that is not an object of positions, is an error;
// entries without an epoch are left out (the client has no position).
func ParseSince(s string) (map[string]Position, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxSinceBytes {
		return nil, fmt.Errorf("%w: %d bytes, over %d", errSince, len(s), MaxSinceBytes)
	}
	var raw map[string]Position
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", errSince, err)
	}
	if len(raw) > MaxSinceTopics {
		return nil, fmt.Errorf("%w: %d topics, over %d", errSince, len(raw), MaxSinceTopics)
	}
	for t, p := range raw {
		if p.Epoch == "" {
			delete(raw, t)
		}
	}
	return raw, nil
}

// sinceFor returns the position the client of c gave for topic at the
// handshake. The parameter is parsed once per connection; a bad one is
// logged once and treated as absent.
func sinceFor(c *ws.Conn, topic string) *Position {
	v, ok := c.Get(sinceKey)
	if !ok {
		m, err := ParseSince(c.Query().Get(SinceParam))
		if err != nil {
			c.Config().Logger.Warn("channels: bad "+SinceParam, "conn", c.ID(), "err", err)
		}
		if m == nil {
			m = map[string]Position{}
		}
		c.Set(sinceKey, m)
		v = m
	}
	m, _ := v.(map[string]Position)
	p, ok := m[topic]
	if !ok {
		return nil
	}
	return &p
}
