package middleware_test

import (
	"io"
	"log"
	"testing"

	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// The upgrade passes through chi's middleware stack, and the request ID it
// sets reaches the WebSocket handler.
func TestChiMiddlewareStack(t *testing.T) {
	app := nexo.New(nexo.WithoutClient())
	app.Use(
		chimw.RequestID,
		chimw.RequestLogger(&chimw.DefaultLogFormatter{Logger: log.New(io.Discard, "", 0), NoColor: true}),
		chimw.Recoverer,
		chimw.Compress(5),
	)
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		if err := c.SendText(chimw.GetReqID(c.Request().Context())); err != nil {
			return err
		}
		return echo(c)
	}, middleware.MaxMessageSize(64))
	srv := nexotest.NewServer(t, app)
	c := srv.Dial("/ws", nexotest.WithHeader("Accept-Encoding", "gzip"))
	defer c.Close()
	if id := c.ReadText(); id == "" {
		t.Fatal("no request ID")
	}
	expectEcho(t, c, "through chi")
	c.CloseNormal()
}
