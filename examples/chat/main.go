// Command chat is nexo's main example: chat rooms with a live user list,
// private messages and the room's recent history, over one WebSocket per
// page.
//
//	go run ./examples/chat
//
// Open http://127.0.0.1:8000/chat/lobby in two windows: each asks for a
// name and is a person of its own (a tab keeps its name; a name someone in
// the room has becomes "ada (2)"; the name in the header renames). A
// private message goes to one connection. GET /chat/{room}
// serves the page and the same path upgrades to the WebSocket. The address
// comes from NEXO_ADDR (default 127.0.0.1:8000). The rooms keep their
// recent messages in memory: a newcomer gets the last 50, and a page that
// reconnects gets exactly what it missed (the browser client sends its
// last position). With NEXO_BROKER=redis or nats, several instances on
// different ports share the rooms, their user lists and their history,
// which then lives in the broker and survives a restart of any instance
// (app.go imports both broker packages, which is what lets NEXO_BROKER
// name them).
//
// limits.go holds the guards: a message rate per connection, bounded
// history per room, a bound on the rooms held. While the broker is
// unreachable the pages stay connected, a message that cannot go out is
// answered with a not_delivered error frame carrying its ref, a new page is
// closed with 1013 (its client retries), and GET /readyz answers 503
// (GET /healthz stays 200): the probes of docs/deployment.md.
package main

import (
	"context"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := os.Getenv("NEXO_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8000"
	}
	app := newApp()
	if err := app.Err(); err != nil { // the broker (NEXO_BROKER) could not be opened
		log.Fatal(err)
	}
	// Listen before printing where to go: a chat still running on the
	// address is an error here, not a URL that reaches the old one.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("chat: NEXO_ADDR=%s: %v", addr, err)
	}
	log.Printf("chat: open http://%s/chat/lobby", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Serve(ctx, ln); err != nil { // until SIGINT or SIGTERM, then gracefully
		log.Fatal(err)
	}
}
