package ws_test

import (
	"errors"
	"testing"

	"github.com/nexogo/nexo/ws"
)

type named struct {
	Name string `json:"name" validate:"required,min=2"`
}

// Conn.ReceiveJSON validates like Channel.ReceiveJSON and ws.Decode: the
// same name does the same thing.
func TestReceiveJSONValidates(t *testing.T) {
	s, _ := serve(t, func(c *ws.Conn) error {
		for {
			var v named
			err := c.ReceiveJSON(&v)
			if errors.Is(err, ws.ErrClosed) {
				return err
			}
			if err != nil {
				c.SendError(err)
				continue
			}
			c.SendText("ok " + v.Name)
		}
	})
	c := s.Dial("/ws")
	c.SendText(`{"name":"x"}`)
	var f ws.ErrorFrame
	c.ReadJSON(&f)
	if f.Error != "validation" || f.Fields["name"] != "min=2" {
		t.Fatalf("short name: got %+v, want a validation error frame", f)
	}
	c.SendText(`{"name":`)
	f = ws.ErrorFrame{}
	c.ReadJSON(&f)
	if f.Error != "invalid_json" {
		t.Fatalf("bad JSON: got %+v", f)
	}
	c.SendText(`{"name":"ada"}`)
	c.ExpectText("ok ada")
	c.CloseNormal()
}
