package middleware_test

import (
	"errors"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

type player struct{ Name string }

// userAsString answers with what UserAs[string] found.
func userAsString(c *ws.Conn) error {
	name, err := middleware.UserAs[string](c)
	var te *middleware.UserTypeError
	switch {
	case err == nil:
		return c.SendText("user " + name)
	case errors.Is(err, middleware.ErrNoUser):
		return c.SendText("no user")
	case errors.As(err, &te):
		return c.SendText("type " + te.Got.String() + " want " + te.Want.String())
	}
	return err
}

func TestUserAsTellsMismatchFromAbsence(t *testing.T) {
	app := nexo.New(nexo.WithoutClient())
	auth := middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: middleware.StaticTokens(map[string]any{"s": "ada", "p": &player{"bob"}}),
	})
	app.WebSocketRoute("/auth", userAsString, auth)
	app.WebSocketRoute("/open", userAsString)
	s := nexotest.NewServer(t, app)

	tests := []struct{ path, want string }{
		{"/auth?token=s", "user ada"},
		{"/auth?token=p", "type *middleware_test.player want string"},
		{"/open", "no user"},
	}
	for _, tt := range tests {
		c := s.Dial(tt.path)
		c.ExpectText(tt.want)
		c.ExpectClose(ws.CloseNormal)
	}
}
