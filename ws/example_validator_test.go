package ws_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// A custom tag, "room", registered on NewValidator and given to the
// Server: ws.Decode refuses a message that breaks it with the validation
// error frame, which names the field by its JSON name and the tag.
func ExampleWithValidator() {
	v := ws.NewValidator()
	v.RegisterValidation("room", func(fl validator.FieldLevel) bool {
		return strings.HasPrefix(fl.Field().String(), "room-")
	})
	type join struct {
		Room string `json:"room" validate:"required,room"`
	}
	srv := ws.NewServer(context.Background(), ws.WithValidator(v))
	ts := httptest.NewServer(srv.Handler(func(c *ws.Conn) error {
		for {
			m, err := ws.Decode[join](c)
			if err != nil {
				if err := c.SendError(err); err != nil {
					return err
				}
				continue
			}
			if err := c.SendText("joined " + m.Room); err != nil {
				return err
			}
		}
	}))
	defer ts.Close()
	defer srv.Shutdown(context.Background(), 0)
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, room := range []string{"lobby", "room-1"} {
		c.WriteJSON(join{Room: room})
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
	}
	// Output:
	// {"type":"error","error":"validation","message":"validation failed","fields":{"room":"room"}}
	// joined room-1
}
