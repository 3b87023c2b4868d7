package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
	"golang.org/x/time/rate"
)

// serveGuarded serves app and returns its ws:// base URL and a function
// that shuts it down, waiting for every connection to be torn down.
func serveGuarded(app *nexo.App) (string, func()) {
	srv := httptest.NewServer(app)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), func() {
		app.Shutdown(context.Background())
		srv.Close()
	}
}

// talk dials url with the Origin origin (none when ""), sends msgs and
// prints what comes back until the connection closes.
func talk(url, origin string, msgs ...string) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer conn.Close()
	for _, m := range msgs {
		conn.WriteMessage(websocket.TextMessage, []byte(m))
	}
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"), time.Now().Add(time.Second))
	for {
		_, data, err := conn.ReadMessage()
		var ce *websocket.CloseError
		switch {
		case errors.As(err, &ce):
			fmt.Printf("closed %d %s\n", ce.Code, ce.Text)
			return
		case err != nil:
			fmt.Println(err)
			return
		}
		fmt.Println("got", string(data))
	}
}

func ExampleOrigin() {
	// The App keeps the same-host default; one route also admits the
	// partner's sites.
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/embed", echo, middleware.Origin("https://*.partner.org"))
	app.WebSocketRoute("/private", echo)
	url, stop := serveGuarded(app)
	defer stop()

	talk(url+"/embed", "https://www.partner.org", "hi")
	talk(url+"/embed", "https://evil.example", "hi")
	talk(url+"/private", "https://www.partner.org", "hi")
	// Output:
	// got hi
	// closed 1000 bye
	// closed 4403 origin not allowed
	// closed 4403 origin not allowed
}

func ExampleRateLimit() {
	app := nexo.New(nexo.WithoutClient())
	// Two messages at once, then one a minute.
	app.WebSocketRoute("/ws", echo, middleware.RateLimit(rate.Every(time.Minute), 2))
	url, stop := serveGuarded(app)
	defer stop()

	talk(url+"/ws", "", "one", "two", "three")
	// Output:
	// got one
	// got two
	// closed 4429 rate limit exceeded
}

func ExampleRateLimitWithOpts() {
	app := nexo.New(nexo.WithoutClient())
	app.UseWS(middleware.RateLimitWithOpts(middleware.RateLimitOptions{
		MessageRate:    10,                // per connection: 10 messages/s,
		MessageBurst:   20,                // 20 at once,
		Policy:         channels.RateDrop, // then drop with an error frame
		HandshakeRate:  1,                 // per client address: 1 new connection/s,
		HandshakeBurst: 5,                 // 5 at once,
		MaxConnsPerIP:  1,                 // 1 open at a time
		// Behind nginx on the same host: believe its X-Forwarded-For.
		TrustedProxies: []string{"127.0.0.1", "::1"},
	}))
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		c.SendText("welcome")
		<-c.Context().Done()
		return nil
	})
	url, stop := serveGuarded(app)
	defer stop()

	h := http.Header{"X-Forwarded-For": {"198.51.100.7"}}
	first, _, err := websocket.DefaultDialer.Dial(url+"/ws", h)
	if err != nil {
		panic(err)
	}
	defer first.Close()
	_, msg, _ := first.ReadMessage()
	fmt.Println("first:", string(msg))

	second, _, err := websocket.DefaultDialer.Dial(url+"/ws", h)
	if err != nil {
		panic(err)
	}
	defer second.Close()
	_, _, err = second.ReadMessage()
	fmt.Println("second:", err)
	// Output:
	// first: welcome
	// second: websocket: close 1013: too many connections from this address
}

func ExampleMaxMessageSize() {
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", echo, middleware.MaxMessageSize(8))
	url, stop := serveGuarded(app)
	defer stop()

	talk(url+"/ws", "", "12345678", "123456789")
	// Output:
	// got 12345678
	// closed 1009
}

func ExampleLogger() {
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "conn", "remote", "duration": // vary from run to run
				return slog.Attr{}
			}
			return a
		},
	}))
	app := nexo.New(nexo.WithoutClient())
	app.UseWS(middleware.Logger(log)) // first, to see what the guards refuse
	app.WebSocketRoute("/rooms/{id}", echo)
	url, stop := serveGuarded(app)

	conn, _, err := websocket.DefaultDialer.Dial(url+"/rooms/42", nil)
	if err != nil {
		panic(err)
	}
	conn.WriteMessage(websocket.TextMessage, []byte("hello"))
	_, msg, _ := conn.ReadMessage()
	fmt.Println("got", string(msg))
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"), time.Now().Add(time.Second))
	conn.ReadMessage() // the server's answer to the close
	conn.Close()
	stop() // waits for the connection's teardown, and so for its log line
	// Output:
	// got hello
	// level=INFO msg="ws: connection closed" route=/rooms/{id} accepted=true code=1000 reason=bye by_peer=true msgs_in=1 msgs_out=1 bytes_in=5 bytes_out=5
}
