// Package brokerdriver is the table of the brokers that NEXO_BROKER can
// name, filled by the broker packages themselves when a program imports
// them: the database/sql driver pattern, so that a program links the
// Redis or NATS client only when it imports channels/redisbroker or
// channels/natsbroker.
//
// The table is the module's one piece of package-level mutable state,
// as database/sql's drivers are: it is written only by the init functions
// of the broker packages, before main runs, read by nexo.New, and guarded
// by a mutex. It is internal so that nothing outside the module can
// change it.
package brokerdriver

import (
	"context"
	"log/slog"
	"sync"

	"github.com/nexogo/nexo/channels"
)

// Config is what the App passes to a driver besides the URL.
type Config struct {
	Prefix  string                   // NEXO_CHANNEL_PREFIX
	Logger  *slog.Logger             // the App's
	History channels.HistoryPolicies // nexo.WithHistory
}

// Open opens a broker on the server at url. A server that cannot be
// reached before ctx ends is an error.
type Open func(ctx context.Context, url string, c Config) (channels.Broker, error)

var (
	mu      sync.RWMutex
	drivers = make(map[string]Open)
)

// Register makes the broker opened by open available under name. It
// panics when name is registered twice or open is nil, as sql.Register
// does: both are programming errors found at start-up.
func Register(name string, open Open) {
	mu.Lock()
	defer mu.Unlock()
	if open == nil {
		panic("brokerdriver: Register of " + name + " with a nil Open")
	}
	if _, dup := drivers[name]; dup {
		panic("brokerdriver: Register called twice for " + name)
	}
	drivers[name] = open
}

// Lookup returns the driver registered under name.
func Lookup(name string) (Open, bool) {
	mu.RLock()
	defer mu.RUnlock()
	open, ok := drivers[name]
	return open, ok
}
