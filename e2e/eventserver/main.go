// Command eventserver is the server of the end-to-end test of the browser
// client's typed event frames (e2e/events.test.mjs): a channels.EventRouter
// at /events and, at /, a page that loads the client nexo serves. It is a
// test fixture, not an example.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

const page = `<!doctype html><title>events</title>
<script type="module">
import * as nexo from '/nexo/client.js';
window.nexo = nexo;
window.ready = true;
</script>`

type sum struct {
	A int `json:"a"`
	B int `json:"b" validate:"gte=0"`
}

type wait struct {
	Ms int `json:"ms" validate:"gte=0,lte=5000"`
}

func main() {
	addr := os.Getenv("NEXO_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8003"
	}
	events := channels.NewEventRouter()
	// A push as soon as the connection opens: on('welcome') sees it.
	events.OnConnect = func(c *ws.Conn) error {
		return channels.Emit(c, "welcome", map[string]string{"id": c.ID()})
	}
	channels.On(events, "sum", func(c *ws.Conn, in sum) (any, error) {
		return in.A + in.B, nil
	})
	channels.On(events, "refuse", func(c *ws.Conn, _ struct{}) (any, error) {
		return nil, &channels.UserError{Message: "not today", Fields: map[string]string{"day": "closed"}}
	})
	channels.On(events, "break", func(c *ws.Conn, _ struct{}) (any, error) {
		return nil, errors.New("a database password in an error message")
	})
	// A reply after ms milliseconds: later than a short request timeout.
	channels.On(events, "wait", func(c *ws.Conn, in wait) (any, error) {
		select {
		case <-time.After(time.Duration(in.Ms) * time.Millisecond):
			return "waited", nil
		case <-c.Context().Done():
			return nil, c.Context().Err()
		}
	})
	// A push of an event back to the sender, then the reply.
	channels.On(events, "ping", func(c *ws.Conn, in map[string]any) (any, error) {
		if err := channels.Emit(c, "pong", in); err != nil {
			return nil, err
		}
		return "sent", nil
	})

	// NEXO_TEST_HEARTBEAT (a duration) sets the ping interval and the pong
	// timeout, so that e2e/heartbeat.test.mjs sees a frozen server within
	// a second.
	var opts []nexo.Option
	if d, err := time.ParseDuration(os.Getenv("NEXO_TEST_HEARTBEAT")); err == nil && d > 0 {
		opts = append(opts, nexo.WithWS(ws.WithHeartbeat(d, d)))
	}
	app := nexo.New(opts...)
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	app.WebSocketRoute("/events", events.Handler())
	// Every handshake on /close/{code} is answered with that close code,
	// before the upgrade (the browser still sees the code); GET
	// /attempts/{code} says how many there were.
	var mu sync.Mutex
	attempts := map[int]int{}
	app.WebSocketRoute("/close/{code}", func(c *ws.Conn) error {
		code, err := strconv.Atoi(c.PathParam("code"))
		if err != nil || code < 1000 || code > 4999 {
			return c.Reject(http.StatusBadRequest)
		}
		mu.Lock()
		attempts[code]++
		mu.Unlock()
		return c.Close(code, "closed by the test")
	})
	// /first authenticates with the first message ({"token":"secret"}),
	// then echoes each message after it with the user's name.
	first := middleware.FirstMessageAuth(middleware.StaticTokens(map[string]any{"secret": "ada"}), 0)
	app.WebSocketRoute("/first", first(func(c *ws.Conn) error {
		user, _ := middleware.User[string](c)
		for {
			var in any
			if err := c.ReceiveJSON(&in); err != nil {
				return err
			}
			if err := c.SendJSON(map[string]any{"user": user, "echo": in}); err != nil {
				return err
			}
		}
	}))
	app.Get("/attempts/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		mu.Lock()
		n := attempts[code]
		mu.Unlock()
		fmt.Fprint(w, n)
	})
	log.Printf("eventserver: http://%s/", addr)
	if err := app.Run(addr); err != nil {
		log.Fatal(err)
	}
}
