package redisbroker_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/redisbroker"
)

// Two instances share a topic through Redis: what one publishes, the
// other receives. In an App, pass the broker with nexo.WithBroker(b) (or
// set NEXO_BROKER=redis and NEXO_REDIS_URL, in a program that imports
// this package, if only as import _) and use channels.Join.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	one, err := redisbroker.New(ctx) // redis://127.0.0.1:6379
	if err != nil {
		log.Fatal(err) // wrong URL or server down: fail at start-up
	}
	defer one.Close()
	two, err := redisbroker.Open(ctx, "redis://127.0.0.1:6379/0", redisbroker.WithPrefix("nexo:"))
	if err != nil {
		log.Fatal(err)
	}
	defer two.Close()

	got := make(chan string, 1)
	recv := channels.SubscriberFunc(func(m *channels.Message) { got <- string(m.Data) })
	if err := two.Subscribe(ctx, "room:1", &recv); err != nil {
		log.Fatal(err)
	}
	if err := channels.Publish(ctx, one, "room:1", "hello from one"); err != nil {
		log.Fatal(err) // the server is unreachable: nothing was sent
	}
	fmt.Println(<-got)
}

// Presence across instances: entries carry their instance and live on a
// lease that the instance renews; an instance that crashes drops out
// within one lease.
func ExampleBroker_Presence() {
	ctx := context.Background()
	b, err := redisbroker.New(ctx, redisbroker.WithLease(10*time.Second), redisbroker.WithInstanceID("web-1"))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	p := b.Presence()
	p.Join(ctx, "room:1", channels.PresenceEntry{ConnID: "c1", UserID: "ada", JoinedAt: time.Now()})
	entries, _ := p.List(ctx, "room:1")
	for _, e := range entries {
		fmt.Println(e.UserID, e.Instance)
	}
}
