package middleware_test

import (
	"testing"
	"time"

	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// echoAs accepts (already done by FirstMessageAuth) and echoes every text
// message prefixed with the user's name.
func echoAs(c *ws.Conn) error {
	name, _ := middleware.User[string](c)
	for msg := range c.Texts() {
		if err := c.SendText(name + ": " + msg); err != nil {
			return err
		}
	}
	return c.Err()
}

func TestFirstMessageAuth(t *testing.T) {
	verify := middleware.StaticTokens(map[string]any{"s3cret": "ada"})
	s := serveAuth(t, echoAs, middleware.FirstMessageAuth(verify, 5*time.Second))

	t.Run("wrong", func(t *testing.T) {
		c := s.Dial("/ws")
		c.SendText("guess")
		expectUnauthorized(t, c, "invalid token")
	})
	t.Run("empty", func(t *testing.T) {
		c := s.Dial("/ws")
		c.SendText("  ")
		expectUnauthorized(t, c, "missing token")
	})
	t.Run("bad json", func(t *testing.T) {
		c := s.Dial("/ws")
		c.SendText(`{"token":`)
		expectUnauthorized(t, c, "missing token")
	})
	for name, first := range map[string]string{
		"bare": "s3cret",
		"json": `{"type":"auth","token":"s3cret"}`,
	} {
		t.Run("right "+name, func(t *testing.T) {
			c := s.Dial("/ws")
			c.SendText(first)
			c.SendText("hello")
			c.ExpectText("ada: hello") // the token itself was consumed
			c.SendText("again")
			c.ExpectText("ada: again")
			c.CloseNormal()
		})
	}
}

func TestFirstMessageAuthDeadline(t *testing.T) {
	verify := middleware.StaticTokens(map[string]any{"s3cret": "ada"})
	s := serveAuth(t, echoAs, middleware.FirstMessageAuth(verify, 50*time.Millisecond))
	c := s.Dial("/ws")
	// Nothing is sent: the server closes once the deadline passes.
	expectUnauthorized(t, c, "authentication timeout")
}
