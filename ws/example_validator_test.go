package ws_test

import (
	"fmt"
	"strings"

	"github.com/go-playground/validator/v10"
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
	c, stop := run(func(c *ws.Conn) error {
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
	}, ws.WithValidator(v))
	defer stop()
	for _, room := range []string{"lobby", "room-1"} {
		c.WriteJSON(join{Room: room})
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
	}
	// Output:
	// {"type":"error","error":"validation","message":"validation failed","fields":{"room":"room"}}
	// joined room-1
}
