package nexo_test

import (
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels/natsbroker"
)

func TestBrokerFromEnvironment(t *testing.T) {
	t.Run("nats", func(t *testing.T) {
		reachable(t, "nats", "127.0.0.1:4222")
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
