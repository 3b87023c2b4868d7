package ws_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestServeReturnsAfterHandshake checks that Serve gives net/http its
// goroutine back once the socket is taken over, while the handler goes on
// serving the connection, and that a refusal is still written before Serve
// returns.
func TestServeReturnsAfterHandshake(t *testing.T) {
	srv := ws.NewServer(context.Background(), ws.WithLogger(discard()))
	returned := make(chan string, 4)
	h := func(c *ws.Conn) error {
		if c.Query().Get("refuse") != "" {
			return c.Reject(http.StatusTeapot)
		}
		return echo(c)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		srv.Serve(w, r, h)
		returned <- r.URL.RawQuery
	})
	s := nexotest.NewServer(t, shutdowner{mux, srv})

	c := s.Dial("/ws")
	select {
	case q := <-returned:
		if q != "" {
			t.Fatalf("returned for %q", q)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running while the connection is open")
	}
	// The handler outlived Serve and still serves the connection.
	c.SendText("after the hand-off")
	c.ExpectText("after the hand-off")
	if srv.Len() != 1 {
		t.Fatalf("server tracks %d connections, want 1", srv.Len())
	}

	_, resp, err := s.TryDial("/ws?refuse=1")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTeapot {
		t.Fatalf("refused dial: resp %v, err %v", resp, err)
	}
	if q := <-returned; q != "refuse=1" {
		t.Fatalf("returned for %q", q)
	}
	c.CloseNormal()
}
