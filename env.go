package nexo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/internal/brokerdriver"
)

// Defaults of the environment variables that choose the broker.
const (
	DefaultRedisURL      = "redis://127.0.0.1:6379"
	DefaultNATSURL       = "nats://127.0.0.1:4222"
	DefaultChannelPrefix = "nexo:"
)

// ErrNoBrokerDriver is wrapped by the error of New (App.Err) when
// NEXO_BROKER names a broker whose package the program does not import.
// The message names the import to add:
//
//	import _ "github.com/nexogo/nexo/channels/redisbroker"
var ErrNoBrokerDriver = errors.New("nexo: broker package not imported")

// brokerKind is a broker NEXO_BROKER can name besides memory.
type brokerKind struct {
	envURL, defaultURL string
	pkg                string // the package whose import registers it
}

// kindOf returns what NEXO_BROKER=name needs, and false for a name it
// does not know.
func kindOf(name string) (brokerKind, bool) {
	switch name {
	case "redis":
		return brokerKind{"NEXO_REDIS_URL", DefaultRedisURL, "github.com/nexogo/nexo/channels/redisbroker"}, true
	case "nats":
		return brokerKind{"NEXO_NATS_URL", DefaultNATSURL, "github.com/nexogo/nexo/channels/natsbroker"}, true
	}
	return brokerKind{}, false
}

// openBroker returns the broker chosen in code, or else by NEXO_BROKER:
// "memory" (the default), "redis" (NEXO_REDIS_URL) or "nats"
// (NEXO_NATS_URL), the last two once the program imports their package;
// NEXO_CHANNEL_PREFIX prefixes its channels, keys and subjects, and the
// policies of WithHistory apply to it. own reports whether the App
// created it; where says which broker it is, for the log. A broker that
// cannot be reached is an error: the App refuses to start rather than
// run alone.
func (c config) openBroker(ctx context.Context, lookup func(string) (brokerdriver.Open, bool)) (b channels.Broker, own bool, where string, err error) {
	if c.broker != nil {
		return c.broker, false, fmt.Sprintf("%T given by WithBroker", c.broker), nil
	}
	name := os.Getenv("NEXO_BROKER")
	if name == "" || name == "memory" {
		return channels.NewMemoryBroker(channels.KeepHistory(c.history...)), true, "in-process", nil
	}
	kind, known := kindOf(name)
	if !known {
		return channels.NewMemoryBroker(), true, "", fmt.Errorf("nexo: NEXO_BROKER=%q: want memory, redis or nats", name)
	}
	open, ok := lookup(name)
	if !ok {
		return channels.NewMemoryBroker(), true, "", fmt.Errorf("%w: NEXO_BROKER=%s needs import _ %q in the program", ErrNoBrokerDriver, name, kind.pkg)
	}
	u := envOr(kind.envURL, kind.defaultURL)
	where = name + " at " + serversOf(u)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, err = open(ctx, u, brokerdriver.Config{
		Prefix:  envOr("NEXO_CHANNEL_PREFIX", DefaultChannelPrefix),
		Logger:  c.logger,
		History: c.history,
	})
	if err != nil {
		return channels.NewMemoryBroker(), true, "", fmt.Errorf("nexo: NEXO_BROKER=%s at %s: %w", name, serversOf(u), err)
	}
	return b, true, where, nil
}

// serversOf returns the hosts of a broker URL, or of a comma-separated
// list of them, without the credentials it may carry.
func serversOf(list string) string {
	var hosts []string
	for s := range strings.SplitSeq(list, ",") {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		} else {
			hosts = append(hosts, "(unparsed URL)")
		}
	}
	return strings.Join(hosts, ",")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
