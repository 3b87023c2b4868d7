package nexo_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/asyncapi"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

func ExampleApp_AsyncAPI() {
	type Sum struct {
		A int `json:"a" validate:"min=0"`
		B int `json:"b" validate:"min=0"`
	}
	app := nexo.New()
	defer app.Shutdown(context.Background())
	r := channels.NewEventRouter()
	channels.Handle(r, "sum", func(ctx context.Context, c *ws.Conn, in Sum) (int, error) {
		return in.A + in.B, nil
	})
	app.WebSocketHandler("/calc/{session}", r)
	app.Get("/nexo/asyncapi.json", app.AsyncAPIHandler(asyncapi.Info{Title: "calc"}).ServeHTTP)

	doc, err := app.AsyncAPI(asyncapi.Info{Title: "calc", Version: "1.0.0"})
	if err != nil {
		panic(err)
	}
	var d struct {
		Channels map[string]struct {
			Address string `json:"address"`
		} `json:"channels"`
		Operations map[string]struct {
			Action string `json:"action"`
		} `json:"operations"`
	}
	json.Unmarshal(doc, &d)
	fmt.Println(d.Channels["calc_session"].Address, d.Operations["calc_session.receive.sum"].Action)
	// Output: /calc/{session} receive
}
