package channels_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// A publish asks for compression (Xyra's publish(topic, msg,
// compress=True)): subscribers that negotiated permessage-deflate get it
// compressed, once for all of them; the others get it as it is.
func ExampleCompress() {
	b := channels.NewMemoryBroker()
	joined := make(chan *channels.Subscription, 2)
	url, stop := exampleServer(func(c *ws.Conn) error {
		// Only the messages that ask are compressed on this route.
		if err := c.Configure(ws.WithCompressionOnRequest()); err != nil {
			return err
		}
		sub, err := channels.Join(c, "report", channels.WithBroker(b))
		if err != nil {
			return err
		}
		joined <- sub
		_, err = c.Receive()
		return err
	})
	defer stop()
	d := websocket.Dialer{EnableCompression: true}
	deflate, _, err := d.Dial(url, nil)
	if err != nil {
		panic(err)
	}
	defer deflate.Close()
	deflate.SetReadDeadline(time.Now().Add(5 * time.Second))
	sub := <-joined
	plain := dial(url)
	defer plain.Close()
	<-joined

	report := strings.Repeat("all quiet; ", 500)
	fmt.Println(sub.Publish(report, channels.Compress()))
	fmt.Println(read(deflate) == report, read(plain) == report)
	// Output:
	// <nil>
	// true true
}

// A group send asks for compression: it is compressed once, for every
// member whose connection negotiated permessage-deflate.
func ExampleGroup_Send_compress() {
	g := channels.NewGroup("tickers")
	joined := make(chan struct{})
	url, stop := exampleServer(func(c *ws.Conn) error {
		if err := c.Configure(ws.WithCompressionOnRequest()); err != nil {
			return err
		}
		g.Add(channels.NewChannel(c, channels.JSON))
		joined <- struct{}{}
		_, err := c.Receive()
		return err
	})
	defer stop()
	c := dial(url)
	defer c.Close()
	<-joined
	fmt.Println(g.Send(map[string]float64{"ACME": 12.5}, channels.Compress()))
	fmt.Println(read(c))
	// Output:
	// 1 <nil>
	// {"ACME":12.5}
}

func ExampleChannel_Closed() {
	chans := make(chan *channels.Channel, 1)
	url, stop := exampleServer(func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		chans <- ch
		_, err := ch.Receive()
		return err
	})
	defer stop()
	c := dial(url)
	ch := <-chans
	fmt.Println(ch.Closed())
	c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	<-ch.Conn().Done()
	fmt.Println(ch.Closed())
	c.Close()
	// Output:
	// false
	// true
}
