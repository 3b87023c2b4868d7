package nexo_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

type calcIn struct {
	A int `json:"a"`
}

// WebSocketRoutes lists every WS route with its full pattern (mounts
// included) and parameters, and the contract of the handlers that
// describe one; the described route serves as usual.
func TestWebSocketRoutes(t *testing.T) {
	app := nexo.New()
	t.Cleanup(func() { app.Shutdown(context.Background()) })
	er := channels.NewEventRouter()
	channels.Handle(er, "double", func(ctx context.Context, c *ws.Conn, in calcIn) (int, error) { return 2 * in.A, nil })
	sub := nexo.NewRouter()
	sub.WebSocketHandler("/calc/{id}", er)
	sub.WebSocketRoute("/plain", echo)
	app.Mount("/api", sub)
	app.WebSocketRoute("/echo", echo)
	app.Get("/page", func(w http.ResponseWriter, r *http.Request) {})

	got := app.WebSocketRoutes()
	want := []contract.Route{
		{Pattern: "/api/calc/{id}", Params: []string{"id"}, Description: &contract.Description{
			Events: []contract.Event{contract.EventOf[calcIn, int]("double")},
		}},
		{Pattern: "/api/plain"},
		{Pattern: "/echo"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("WebSocketRoutes() = %+v\nwant %+v", got, want)
	}

	s := nexotest.NewServer(t, app)
	c := s.Dial("/api/calc/7")
	defer c.Close()
	c.SendText(`{"event":"double","data":{"a":21},"ref":1}`)
	if got, want := c.ReadText(), `{"type":"reply","ref":1,"data":42}`; got != want {
		t.Fatalf("reply %s, want %s", got, want)
	}
}
