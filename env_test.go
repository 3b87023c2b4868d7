package nexo_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/internal/servicetest"
)

func TestBrokerFromEnvironment(t *testing.T) {
	t.Run("nats", func(t *testing.T) {
		servicetest.RequireNATS(t)
		t.Setenv("NEXO_BROKER", "nats")
		t.Setenv("NEXO_CHANNEL_PREFIX", "nexoenvtest:")
		app := nexo.New()
		if app.Err() != nil {
			t.Fatal(app.Err())
		}
		if _, ok := app.Broker().(*natsbroker.Broker); !ok {
			t.Fatalf("broker %T", app.Broker())
		}
		nexotestShutdown(t, app)
	})
	t.Run("redis", func(t *testing.T) {
		servicetest.RequireRedis(t)
		t.Setenv("NEXO_BROKER", "redis")
		t.Setenv("NEXO_CHANNEL_PREFIX", "nexoenvtest:")
		app := nexo.New(nexo.WithLogger(discardLogger()))
		if app.Err() != nil {
			t.Fatal(app.Err())
		}
		rb, ok := app.Broker().(*redisbroker.Broker)
		if !ok {
			t.Fatalf("broker %T", app.Broker())
		}
		if ch := rb.Channel("room"); ch != "nexoenvtest:room" {
			t.Fatalf("channel %q: NEXO_CHANNEL_PREFIX ignored", ch)
		}
		nexotestShutdown(t, app)
	})
	t.Run("redis unreachable fails loudly", func(t *testing.T) {
		t.Setenv("NEXO_BROKER", "redis")
		t.Setenv("NEXO_REDIS_URL", "redis://127.0.0.1:1")
		app := nexo.New(nexo.WithLogger(discardLogger()))
		if err := app.Err(); err == nil || !strings.Contains(err.Error(), "NEXO_BROKER=redis") {
			t.Fatalf("error %v, want one naming NEXO_BROKER=redis", err)
		}
		nexotestShutdown(t, app)
	})
	t.Run("unreachable fails loudly", func(t *testing.T) {
		t.Setenv("NEXO_BROKER", "nats")
		t.Setenv("NEXO_NATS_URL", "nats://127.0.0.1:1")
		app := nexo.New(nexo.WithLogger(discardLogger()))
		if app.Err() == nil {
			t.Fatal("no error for an unreachable broker")
		}
		nexotestShutdown(t, app)
	})
}

// TestHistoryFromOptions: nexo.WithHistory reaches whichever broker
// NEXO_BROKER makes the App open.
func TestHistoryFromOptions(t *testing.T) {
	for _, kind := range append([]brokerKind{{"memory", nil, nil}}, brokerKinds...) {
		t.Run(kind.name, func(t *testing.T) {
			if kind.require != nil {
				kind.require(t)
			}
			t.Setenv("NEXO_BROKER", kind.name)
			t.Setenv("NEXO_CHANNEL_PREFIX", fmt.Sprintf("nexohist%d:", time.Now().UnixNano()))
			app := nexo.New(nexo.WithLogger(discardLogger()),
				nexo.WithHistory(channels.HistoryPolicy{Pattern: "chat:*", MaxCount: 10}))
			if app.Err() != nil {
				t.Fatal(app.Err())
			}
			defer nexotestShutdown(t, app)
			hb, ok := app.Broker().(channels.HistoryBroker)
			if !ok {
				t.Fatalf("broker %T keeps no history", app.Broker())
			}
			if !hb.HasHistory("chat:lobby") || hb.HasHistory("other") {
				t.Fatalf("HasHistory: chat:lobby %v, other %v; want true, false", hb.HasHistory("chat:lobby"), hb.HasHistory("other"))
			}
		})
	}
}
