package ws_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// BenchmarkFanOutCompressed sends one 4 KiB compressible message to 100
// connections that negotiated permessage-deflate, per op: a message made
// by NewCompressedMessage, compressed once for all of them, against
// SendText, compressed once per connection. Compare ns/op and B/op.
func BenchmarkFanOutCompressed(b *testing.B) {
	for _, mode := range []string{"prepared", "sendtext"} {
		b.Run(mode, func(b *testing.B) { benchFanOutCompressed(b, 100, mode) })
	}
}

func benchFanOutCompressed(b *testing.B, n int, mode string) {
	server := make(chan *ws.Conn, n)
	url, stop := benchServer(b, func(c *ws.Conn) error {
		if err := c.Accept(ws.WithCompression()); err != nil {
			return err
		}
		server <- c
		<-c.Context().Done()
		return nil
	})
	defer stop()
	d := websocket.Dialer{EnableCompression: true}
	var received sync.WaitGroup
	clients := make([]*websocket.Conn, n)
	conns := make([]*ws.Conn, n)
	for i := range clients {
		c, _, err := d.Dial(url, http.Header{})
		if err != nil {
			b.Fatal(err)
		}
		clients[i], conns[i] = c, <-server
	}
	for _, c := range clients {
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
				received.Done()
			}
		}()
	}
	payload := strings.Repeat("compressible text, ", 4<<10/20)
	b.ReportAllocs()
	b.ResetTimer()
	const window = 64 // messages in flight, well under the send queue
	for i := range b.N {
		if i%window == 0 {
			received.Wait()
			received.Add(n * min(window, b.N-i))
		}
		switch mode {
		case "prepared":
			pm := ws.NewCompressedMessage(ws.TextMessage, []byte(payload))
			for _, c := range conns {
				c.SendPrepared(pm)
			}
		default:
			for _, c := range conns {
				c.SendText(payload)
			}
		}
	}
	received.Wait()
	b.StopTimer()
	for _, c := range clients {
		c.Close()
	}
}
