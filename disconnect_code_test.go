package nexo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// TestDisconnectWithUnsendableCode: Disconnect and DisconnectUser with a
// code a close frame may not carry (1006, 5000) return an error matching
// ws.ErrInvalidCloseCode and close nothing; the client would otherwise
// fail the connection with a protocol error and never see a close.
func TestDisconnectWithUnsendableCode(t *testing.T) {
	app := nexo.New(nexo.WithUserID(func(c *ws.Conn) string { return c.Query().Get("user") }))
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		if err := c.SendText(c.ID()); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	})
	srv := nexotest.NewServer(t, app)
	ada := srv.Dial("/ws?user=ada")
	id := ada.ReadText()
	ctx := context.Background()
	for _, code := range []int{1006, 5000} {
		if err := app.Disconnect(ctx, id, code, "x"); !errors.Is(err, ws.ErrInvalidCloseCode) {
			t.Errorf("Disconnect with %d: %v, want ws.ErrInvalidCloseCode", code, err)
		}
		if err := app.DisconnectUser(ctx, "ada", code, "x"); !errors.Is(err, ws.ErrInvalidCloseCode) {
			t.Errorf("DisconnectUser with %d: %v, want ws.ErrInvalidCloseCode", code, err)
		}
	}
	// Still connected: a valid code closes it as asked.
	if err := app.Disconnect(ctx, id, 4001, "kicked"); err != nil {
		t.Fatal(err)
	}
	if ce := ada.ExpectClose(4001); ce.Reason != "kicked" {
		t.Errorf("reason %q, want kicked", ce.Reason)
	}
}
