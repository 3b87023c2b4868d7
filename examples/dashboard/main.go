// Command dashboard publishes the process's own figures (goroutines, heap,
// connections, messages per second, slow consumers) to a topic every
// second; the page at / draws them as live charts. The figures are read
// from the metrics package's registry, the one /metrics exposes to
// Prometheus, so the page and a scrape always agree. Messages per second
// is the app's traffic without the samples themselves: the example's /echo
// socket is there to make some. The charts place samples by their time, so
// an outage shows as a gap, and each has a text alternative.
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
	"time"
)

func main() {
	addr := os.Getenv("NEXO_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8002"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(ctx, time.Second)
	log.Printf("dashboard: open http://%s/", addr)
	if err := app.Run(addr); err != nil {
		log.Fatal(err)
	}
}
