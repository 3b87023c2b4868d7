package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// benchServer serves h without nexotest, so that benchmarks can dial from
// many goroutines.
func benchServer(b *testing.B, h ws.HandlerFunc) (string, func()) {
	srv := ws.NewServer(context.Background(), ws.WithLogger(discard()))
	ts := httptest.NewServer(srv.Handler(h))
	return "ws" + strings.TrimPrefix(ts.URL, "http"), func() {
		srv.Shutdown(context.Background(), 0)
		ts.Close()
	}
}

func benchDial(b *testing.B, url string) *websocket.Conn {
	c, _, err := websocket.DefaultDialer.Dial(url, http.Header{})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkEcho measures round trips over loopback: one client, a handler
// that sends each message back.
func BenchmarkEcho(b *testing.B) {
	for _, clients := range []int{1, 100} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			url, stop := benchServer(b, echo)
			defer stop()
			conns := make([]*websocket.Conn, clients)
			for i := range conns {
				conns[i] = benchDial(b, url)
			}
			msg := []byte(strings.Repeat("x", 64))
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for _, c := range conns {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
							b.Error(err)
							return
						}
						if _, _, err := c.ReadMessage(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
			for _, c := range conns {
				c.Close()
			}
		})
	}
}

// BenchmarkFanOut sends one message to many connections per op and waits
// until every client has it: a prepared message queued to each, against a
// plain SendText per connection.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, mode := range []string{"prepared", "sendtext"} {
			b.Run(fmt.Sprintf("conns=%d/%s", n, mode), func(b *testing.B) {
				benchFanOut(b, n, mode)
			})
		}
	}
}

func benchFanOut(b *testing.B, n int, mode string) {
	payload := strings.Repeat("x", 64)
	runFanOut(b, n, false, 256, func(conns []*ws.Conn) {
		switch mode {
		case "prepared":
			pm := ws.NewPreparedMessage(ws.TextMessage, []byte(payload))
			for _, c := range conns {
				c.SendPrepared(pm)
			}
		default:
			for _, c := range conns {
				c.SendText(payload)
			}
		}
	})
}

// runFanOut connects n clients, permessage-deflate negotiated when deflate
// is set, and times b.N calls of send, each of which sends one message to
// every connection, until every client has every message. Up to window
// messages are in flight, well under the send queue, so that the
// slow-consumer policy never fires.
func runFanOut(b *testing.B, n int, deflate bool, window int, send func(conns []*ws.Conn)) {
	server := make(chan *ws.Conn, n)
	url, stop := benchServer(b, func(c *ws.Conn) error {
		var opts []ws.Option
		if deflate {
			opts = append(opts, ws.WithCompression())
		}
		if err := c.Accept(opts...); err != nil {
			return err
		}
		server <- c
		<-c.Context().Done()
		return nil
	})
	defer stop()
	d := websocket.Dialer{EnableCompression: deflate}
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
	b.ResetTimer()
	for i := range b.N {
		if i%window == 0 {
			received.Wait()
			received.Add(n * min(window, b.N-i))
		}
		send(conns)
	}
	received.Wait()
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "deliveries/s")
	for _, c := range clients {
		c.Close()
	}
}
