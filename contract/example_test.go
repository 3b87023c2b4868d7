package contract_test

import (
	"fmt"

	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

func ExampleDescribe() {
	type Send struct {
		Text string `json:"text" validate:"required"`
	}
	type Sent struct {
		ID string `json:"id"`
	}
	serve := func(c *ws.Conn) error { return nil } // reads {"event":"send",...} frames itself
	h := contract.Describe(serve, contract.Description{
		Events: []contract.Event{contract.EventOf[Send, Sent]("send")},
		Pushes: []contract.Push{contract.PushOf[Sent]("sent")},
	})
	// app.WebSocketHandler("/chat", h)
	d := h.(contract.Describer).Describe()
	fmt.Println(d.Events[0].Name, d.Events[0].Data.Name(), d.Events[0].Reply.Name(), d.Pushes[0].Name)
	// Output: send Send Sent sent
}
