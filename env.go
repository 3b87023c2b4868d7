package nexo

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// Defaults of the environment variables that choose the broker.
const (
	DefaultRedisURL      = "redis://127.0.0.1:6379"
	DefaultNATSURL       = "nats://127.0.0.1:4222"
	DefaultChannelPrefix = "nexo:"
)

// openBroker returns the broker chosen in code, or else by NEXO_BROKER:
// "memory" (the default), "redis" (NEXO_REDIS_URL) or "nats"
// (NEXO_NATS_URL); NEXO_CHANNEL_PREFIX prefixes its channels, keys and
// subjects, and the policies of WithHistory apply to it. own reports
// whether the App created it. A broker that cannot be reached is an
// error: the App refuses to start rather than run alone.
func (c config) openBroker(ctx context.Context) (b channels.Broker, own bool, err error) {
	if c.broker != nil {
		return c.broker, false, nil
	}
	prefix := envOr("NEXO_CHANNEL_PREFIX", DefaultChannelPrefix)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch kind := os.Getenv("NEXO_BROKER"); kind {
	case "", "memory":
		return channels.NewMemoryBroker(channels.KeepHistory(c.history...)), true, nil
	case "redis":
		url := envOr("NEXO_REDIS_URL", DefaultRedisURL)
		rb, err := redisbroker.Open(ctx, url, redisbroker.WithPrefix(prefix), redisbroker.WithLogger(c.logger), redisbroker.WithHistory(c.history...))
		if err != nil {
			return channels.NewMemoryBroker(), true, fmt.Errorf("nexo: NEXO_BROKER=redis: %w", err)
		}
		return rb, true, nil
	case "nats":
		url := envOr("NEXO_NATS_URL", DefaultNATSURL)
		nb, err := natsbroker.Open(ctx, url, natsbroker.WithPrefix(prefix), natsbroker.WithLogger(c.logger), natsbroker.WithHistory(c.history...))
		if err != nil {
			return channels.NewMemoryBroker(), true, fmt.Errorf("nexo: NEXO_BROKER=nats at %s: %w", url, err)
		}
		return nb, true, nil
	default:
		return channels.NewMemoryBroker(), true, fmt.Errorf("nexo: NEXO_BROKER=%q: want memory, redis or nats", kind)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
