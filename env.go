package nexo

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// Defaults of the environment variables that choose the broker.
const (
	DefaultRedisURL      = "redis://127.0.0.1:6379"
	DefaultNATSURL       = "nats://127.0.0.1:4222"
	DefaultChannelPrefix = "nexo:"
)

// openBroker returns the broker chosen in code, or else by NEXO_BROKER:
// "memory" (the default) or "nats" (NEXO_NATS_URL); NEXO_CHANNEL_PREFIX
// prefixes its subjects. "redis" (NEXO_REDIS_URL) is reserved for the
// Redis broker, which is not in this release yet.
// own reports whether the App created it. A broker that cannot be reached
// is an error: the App refuses to start rather than run alone.
func (c config) openBroker(ctx context.Context) (b channels.Broker, own bool, err error) {
	if c.broker != nil {
		return c.broker, false, nil
	}
	prefix := envOr("NEXO_CHANNEL_PREFIX", DefaultChannelPrefix)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch kind := os.Getenv("NEXO_BROKER"); kind {
	case "", "memory":
		return channels.NewMemoryBroker(), true, nil
	case "redis":
		return channels.NewMemoryBroker(), true, fmt.Errorf("nexo: NEXO_BROKER=redis: the Redis broker is not in this release yet; use nats")
	case "nats":
		url := envOr("NEXO_NATS_URL", DefaultNATSURL)
		nb, err := natsbroker.Open(ctx, url, natsbroker.WithPrefix(prefix), natsbroker.WithLogger(c.logger))
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
