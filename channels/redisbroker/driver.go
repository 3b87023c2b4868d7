package redisbroker

import (
	"context"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/brokerdriver"
)

// init registers the broker as NEXO_BROKER=redis: a program that imports
// this package, if only for its side effect,
//
//	import _ "github.com/nexogo/nexo/channels/redisbroker"
//
// lets nexo.New open it from the environment (NEXO_REDIS_URL,
// NEXO_CHANNEL_PREFIX, nexo.WithHistory).
func init() {
	brokerdriver.Register("redis", func(ctx context.Context, url string, c brokerdriver.Config) (channels.Broker, error) {
		b, err := Open(ctx, url, WithPrefix(c.Prefix), WithLogger(c.Logger), WithHistory(c.History...))
		if err != nil {
			return nil, err // not a nil *Broker in a non-nil interface
		}
		return b, nil
	})
}
