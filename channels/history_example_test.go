package channels_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

func ExampleWithRecovery() {
	// Keep the last 100 messages of every "chat:" topic.
	b := channels.NewMemoryBroker(channels.KeepHistory(channels.HistoryPolicy{
		Pattern: "chat:*", MaxCount: 100, MaxAge: time.Hour,
	}))
	defer b.Close()
	wsURL, stop := exampleServer(func(c *ws.Conn) error {
		// The client's last position comes in the handshake's nexo_since.
		if _, err := channels.Join(c, "chat:lobby", channels.WithBroker(b), channels.WithRecovery()); err != nil {
			return err
		}
		_, err := c.Receive()
		return err
	})
	defer stop()
	ctx := context.Background()

	c := dial(wsURL)
	var joined channels.JoinedFrame
	json.Unmarshal([]byte(read(c)), &joined)
	fmt.Println("joined at", joined.Offset, "recovered:", joined.Recovered)
	channels.Publish(ctx, b, "chat:lobby", "hello")
	epoch := joined.Epoch
	show := func(s string) { fmt.Println(strings.ReplaceAll(s, epoch, "E")) }
	show(read(c))
	c.Close() // the client goes away...

	channels.Publish(ctx, b, "chat:lobby", map[string]string{"text": "missed"})
	channels.Publish(ctx, b, "chat:lobby", []byte{1, 2})

	// ... and comes back with its last position: it gets what it missed.
	since, _ := json.Marshal(map[string]channels.Position{"chat:lobby": {Epoch: epoch, Offset: 1}})
	c = dial(wsURL + "?" + channels.SinceParam + "=" + url.QueryEscape(string(since)))
	defer c.Close()
	for range 3 {
		show(read(c))
	}
	// Output:
	// joined at 0 recovered: true
	// {"type":"pub","topic":"chat:lobby","epoch":"E","offset":1,"data":"hello"}
	// {"type":"pub","topic":"chat:lobby","epoch":"E","offset":2,"data":{"text":"missed"}}
	// {"type":"pub","topic":"chat:lobby","epoch":"E","offset":3,"encoding":"base64","data":"AQI="}
	// {"type":"joined","topic":"chat:lobby","epoch":"E","offset":3,"recovered":true}
}
