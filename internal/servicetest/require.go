package servicetest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"
)

// Default addresses of the shared servers, overridden by NEXO_REDIS_URL
// and NEXO_NATS_URL.
const (
	DefaultRedisURL = "redis://127.0.0.1:6379"
	DefaultNATSURL  = "nats://127.0.0.1:4222"
)

// Unavailable skips t with msg, or fails it when NEXO_REQUIRE_SERVICES=1.
func Unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("NEXO_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg + " (NEXO_REQUIRE_SERVICES=1)")
	}
	t.Skip(msg)
}

// RedisURL is the shared Redis server's URL: NEXO_REDIS_URL or the default.
func RedisURL() string { return envOr("NEXO_REDIS_URL", DefaultRedisURL) }

// NATSURL is the shared NATS server's URL: NEXO_NATS_URL or the default.
func NATSURL() string { return envOr("NEXO_NATS_URL", DefaultNATSURL) }

// RequireRedis returns the shared Redis server's URL once it answers PING,
// or skips t (see Unavailable).
func RequireRedis(t testing.TB) string {
	t.Helper()
	u := RedisURL()
	if err := pingRedis(u); err != nil {
		Unavailable(t, fmt.Sprintf("no Redis server at %s (%v): start one with `redis-server`, or set NEXO_REDIS_URL", u, err))
	}
	return u
}

// RequireNATS returns the shared NATS server's URL once it accepts a
// connection, or skips t (see Unavailable).
func RequireNATS(t testing.TB) string {
	t.Helper()
	u := NATSURL()
	nc, err := nats.Connect(u, nats.Timeout(2*time.Second))
	if err != nil {
		Unavailable(t, fmt.Sprintf("no NATS server at %s (%v): start one with `nats-server -js`, or set NEXO_NATS_URL", u, err))
		return u
	}
	nc.Close()
	return u
}

func pingRedis(url string) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opt.MaxRetries = -1
	opt.DialerRetries = 1 // a closed port fails at once, not after go-redis's dial retries
	rc := redis.NewClient(opt)
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return rc.Ping(ctx).Err()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
