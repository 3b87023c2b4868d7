// Command echo serves a page at / and a WebSocket at /ws that echoes every
// message unchanged: text as text, binary as binary.
//
//	go run ./examples/echo
//
// The address comes from NEXO_ADDR (default 127.0.0.1:8000).
package main

import (
	_ "embed"
	"log"
	"net/http"
	"os"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

//go:embed index.html
var page []byte

func main() {
	addr := os.Getenv("NEXO_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8000"
	}
	app := newApp()
	log.Printf("echo: listening on http://%s (WebSocket at ws://%s/ws)", addr, addr)
	if err := app.Run(addr); err != nil {
		log.Fatal(err)
	}
}

func newApp() *nexo.App {
	app := nexo.New()
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.WebSocketRoute("/ws", echo)
	return app
}

// echo sends every message back as it came.
func echo(c *ws.Conn) error {
	for {
		m, err := c.Receive()
		if err != nil {
			return err
		}
		if err := c.Send(m); err != nil {
			return err
		}
	}
}
