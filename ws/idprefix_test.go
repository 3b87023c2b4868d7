package ws_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/nexogo/nexo/ws"
)

// TestIDPrefix: WithIDPrefix puts the prefix in front of the random UUID
// of every connection ID, and the Server finds the connection by it.
func TestIDPrefix(t *testing.T) {
	s, srv := serve(t, func(c *ws.Conn) error {
		if err := c.SendText(c.ID()); err != nil {
			return err
		}
		_, err := c.Receive() // until the client closes
		return err
	}, ws.WithIDPrefix("node7."))
	c := s.Dial("/ws")
	id := c.ReadText()
	rest, ok := strings.CutPrefix(id, "node7.")
	if !ok {
		t.Fatalf("ID %q lacks the prefix", id)
	}
	if _, err := uuid.Parse(rest); err != nil {
		t.Fatalf("ID %q: %q after the prefix is not a UUID: %v", id, rest, err)
	}
	if _, ok := srv.Conn(id); !ok {
		t.Fatalf("the server does not find %q", id)
	}
	c.CloseNormal()
}
