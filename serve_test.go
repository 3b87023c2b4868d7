package nexo_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// TestServeGraceful: when Serve's context ends (Run's SIGINT/SIGTERM),
// live WebSockets get 1001 and Serve returns nil.
func TestServeGraceful(t *testing.T) {
	app := nexo.New(nexo.WithShutdownWindow(0))
	app.WebSocketRoute("/ws", echo)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()

	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte("up"))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "up" {
		t.Fatalf("echo: %q %v", msg, err)
	}
	cancel()
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, ws.CloseGoingAway) {
		t.Fatalf("got %v, want close 1001", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestServeFailsLoudlyOnBadBroker(t *testing.T) {
	t.Setenv("NEXO_BROKER", "carrier-pigeon")
	app := nexo.New(nexo.WithLogger(discardLogger()))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = app.Serve(context.Background(), ln)
	if err == nil || !strings.Contains(err.Error(), "NEXO_BROKER") {
		t.Fatalf("Serve: %v", err)
	}
	app.Shutdown(context.Background())
}

func nexotestShutdown(t *testing.T, app *nexo.App) {
	t.Helper()
	if err := app.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
