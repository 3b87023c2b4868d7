package nexo_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/nexotest"
)

// TestOwnTopicsKeepNoHistory: with history on every topic (a catch-all
// pattern), what one instance sends to a connection of another (SendTo:
// the chat's private messages) and its broadcasts travel as before, and
// the broker stores none of it: the App's own topics ("nexo.…") have no
// history, so no private message is kept in Redis or NATS, and no
// instance run leaves a history of its direct topic behind.
func TestOwnTopicsKeepNoHistory(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind.name, func(t *testing.T) {
			url := kind.require(t)
			t.Setenv("NEXO_BROKER", kind.name)
			prefix := fmt.Sprintf("nexoown%d", time.Now().UnixNano())
			t.Setenv("NEXO_CHANNEL_PREFIX", prefix)
			all := nexo.WithHistory(channels.HistoryPolicy{Pattern: "*"})
			quiet := nexo.WithLogger(slog.New(slog.DiscardHandler))
			app1, app2 := roomApp(all, quiet), roomApp(all, quiet)
			for _, a := range []*nexo.App{app1, app2} {
				if a.Err() != nil {
					t.Fatal(a.Err())
				}
			}
			one, two := nexotest.NewServer(t, app1), nexotest.NewServer(t, app2)
			a, b := one.Dial("/rooms/x"), two.Dial("/rooms/y")
			a.ReadText()
			id := strings.TrimPrefix(b.ReadText(), "joined ")
			if err := app1.SendTo(id, map[string]string{"dm": "secret"}); err != nil {
				t.Fatal(err)
			}
			var dm map[string]string
			b.ReadJSON(&dm)
			if dm["dm"] != "secret" {
				t.Fatalf("SendTo across instances: got %v", dm)
			}
			if err := app2.Broadcast("all"); err != nil {
				t.Fatal(err)
			}
			a.ExpectText("all")
			b.ExpectText("all")

			inst, _, _ := strings.Cut(id, ".")
			own := []string{"nexo.direct." + inst, "nexo.broadcast"}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, topic := range own {
				if hb := app1.Broker().(channels.HistoryBroker); hb.HasHistory(topic) {
					t.Errorf("%s has history", topic)
				}
			}
			switch br := app1.Broker().(type) {
			case *redisbroker.Broker:
				opt, err := redis.ParseURL(url)
				if err != nil {
					t.Fatal(err)
				}
				rc := redis.NewClient(opt)
				defer rc.Close()
				keys, err := rc.Keys(ctx, prefix+"h*:nexo.*").Result()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Del(context.Background(), prefix+"h:room:x", prefix+"hm:room:x", prefix+"h:room:y", prefix+"hm:room:y")
				if len(keys) > 0 {
					t.Errorf("Redis keeps the history of the App's own topics: %v", keys)
				}
			case *natsbroker.Broker:
				nc, err := nats.Connect(url)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				js, err := jetstream.New(nc)
				if err != nil {
					t.Fatal(err)
				}
				defer js.DeleteStream(context.Background(), br.StreamName("room:x"))
				defer js.DeleteStream(context.Background(), br.StreamName("room:y"))
				for _, topic := range own {
					s, err := js.Stream(ctx, br.StreamName(topic))
					if err == nil {
						var n uint64
						if info, err := s.Info(ctx); err == nil {
							n = info.State.Msgs
						}
						js.DeleteStream(ctx, br.StreamName(topic))
						t.Errorf("NATS keeps the history of %s in stream %s (%d messages)", topic, br.StreamName(topic), n)
					} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
						t.Fatal(err)
					}
				}
			default:
				t.Fatalf("broker %T", br)
			}
			a.CloseNormal()
			b.CloseNormal()
		})
	}
}
