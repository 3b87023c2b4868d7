package nexo_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// join is a message whose room must pass the custom tag "room".
type join struct {
	Room string `json:"room" validate:"required,room"`
}

var roomName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// roomValidator is ws.NewValidator with the custom tag "room".
func roomValidator(t *testing.T) *validator.Validate {
	t.Helper()
	v := ws.NewValidator()
	err := v.RegisterValidation("room", func(fl validator.FieldLevel) bool {
		return roomName.MatchString(fl.Field().String())
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWithValidatorCustomTag: a tag registered on the validator given to
// nexo.WithValidator applies wherever nexo validates, over a real socket:
// ws.Decode, channels.EventRouter and channels.Events. An invalid payload
// is refused with the validation error frame naming the tag, the
// connection stays open, and a valid one is accepted.
func TestWithValidatorCustomTag(t *testing.T) {
	app := nexo.New(nexo.WithLogger(discardLogger()), nexo.WithValidator(roomValidator(t)))
	app.WebSocketRoute("/decode", func(c *ws.Conn) error {
		for {
			m, err := ws.Decode[join](c)
			var ve *ws.ValidationError
			var ves validator.ValidationErrors // for translations: closes with 1011 when missing
			switch {
			case errors.As(err, &ve) && errors.As(err, &ves) && ves[0].Tag() == "room":
				if err := c.SendError(err); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				if err := c.SendJSON(map[string]string{"joined": m.Room}); err != nil {
					return err
				}
			}
		}
	})
	router := channels.NewEventRouter()
	channels.On(router, "join", func(c *ws.Conn, m join) (any, error) {
		return map[string]string{"joined": m.Room}, nil
	})
	app.WebSocketRoute("/events", router.Handler())
	app.WebSocketRoute("/channel", channels.Events[join]{
		OnMessage: func(ch *channels.Channel, m join) error {
			return ch.Send(map[string]string{"joined": m.Room})
		},
	}.Handler())
	s := nexotest.NewServer(t, app)

	type frame struct {
		Type   string            `json:"type"`
		Error  string            `json:"error"`
		Fields map[string]string `json:"fields"`
		Ref    any               `json:"ref"`
		Data   map[string]string `json:"data"`
		Joined string            `json:"joined"`
	}
	for _, tc := range []struct {
		path     string
		bad, ok  any
		joinedOf func(frame) string
	}{
		{"/decode", join{Room: "Not A Room!"}, join{Room: "lobby"}, func(f frame) string { return f.Joined }},
		{"/channel", join{Room: "Not A Room!"}, join{Room: "lobby"}, func(f frame) string { return f.Joined }},
		{"/events",
			map[string]any{"event": "join", "ref": 1, "data": join{Room: "Not A Room!"}},
			map[string]any{"event": "join", "ref": 2, "data": join{Room: "lobby"}},
			func(f frame) string { return f.Data["joined"] }},
	} {
		t.Run(tc.path[1:], func(t *testing.T) {
			c := s.Dial(tc.path)
			defer c.CloseNormal()
			c.SendJSON(tc.bad)
			var f frame
			c.ReadJSON(&f)
			if f.Type != "error" || f.Error != "validation" || f.Fields["room"] != "room" {
				t.Fatalf("invalid room answered %+v, want a validation error frame with fields {room: room}", f)
			}
			c.SendJSON(tc.ok)
			f = frame{}
			c.ReadJSON(&f)
			if got := tc.joinedOf(f); got != "lobby" {
				t.Fatalf("valid room answered %+v, want joined lobby", f)
			}
		})
	}
}
