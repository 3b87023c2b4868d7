package nexo_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// The document is served where the App mounts AsyncAPIHandler, and is the
// one AsyncAPI returns.
func TestAsyncAPIHandler(t *testing.T) {
	app := nexo.New()
	er := channels.NewEventRouter()
	channels.Handle(er, "double", func(ctx context.Context, c *ws.Conn, in calcIn) (int, error) { return 2 * in.A, nil })
	app.WebSocketHandler("/calc", er)
	app.Get("/nexo/asyncapi.json", app.AsyncAPIHandler(asyncapi.Info{Title: "calc"}).ServeHTTP)
	s := nexotest.NewServer(t, app)
	resp, err := http.Get(s.URL + "/nexo/asyncapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/json" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	want, err := app.AsyncAPI(asyncapi.Info{Title: "calc"})
	if err != nil || string(body) != string(want) {
		t.Fatalf("served %s\nwant %s (%v)", body, want, err)
	}
}
