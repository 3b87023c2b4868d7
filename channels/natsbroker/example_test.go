package natsbroker_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
)

// Two instances share a topic through NATS: what one publishes, the other
// receives. In an App, pass the broker with nexo.WithBroker(b) (or set
// NEXO_BROKER=nats, in a program that imports this package, if only as
// import _) and use channels.Join.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	one, err := natsbroker.New(ctx) // nats://127.0.0.1:4222
	if err != nil {
		log.Fatal(err) // unreachable server: fail at start-up
	}
	defer one.Close()
	two, err := natsbroker.Open(ctx, "nats://127.0.0.1:4222")
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
		log.Fatal(err)
	}
	fmt.Println(<-got)
}

// Presence across instances: who is in a topic, wherever connected.
func ExampleBroker_Presence() {
	ctx := context.Background()
	b, err := natsbroker.New(ctx, natsbroker.WithLease(10*time.Second), natsbroker.WithInstanceID("web-1"))
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
