// Command dashboard publishes the process's own figures (goroutines, heap,
// connections, messages per second) to a topic every second; the page at /
// draws them as live charts.
//
//	go run ./examples/dashboard
//
// The address comes from NEXO_ADDR (default 127.0.0.1:8002).
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := os.Getenv("NEXO_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8002"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(ctx)
	log.Printf("dashboard: open http://%s/", addr)
	if err := app.Run(addr); err != nil {
		log.Fatal(err)
	}
}
