package middleware_test

import (
	"testing"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// serveAuth runs h at /ws behind mw on a real loopback server.
func serveAuth(t *testing.T, h ws.HandlerFunc, mw ...ws.Middleware) *nexotest.Server {
	t.Helper()
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", h, mw...)
	return nexotest.NewServer(t, app)
}

// whoami accepts and sends the stored user's name and the negotiated
// subprotocol, then waits for the client to close.
func whoami(c *ws.Conn) error {
	if err := c.Accept(); err != nil && err != ws.ErrAlreadyAccepted {
		return err
	}
	name, ok := middleware.User[string](c)
	if !ok {
		name = "<none>"
	}
	if err := c.SendText(name + "|" + c.Subprotocol()); err != nil {
		return err
	}
	for range c.Texts() {
	}
	return c.Err()
}

// expectUnauthorized fails unless the client sees 4401 with reason.
func expectUnauthorized(t *testing.T, c *nexotest.Conn, reason string) {
	t.Helper()
	ce := c.ExpectClose(ws.CloseUnauthorized)
	if ce.Reason != reason {
		t.Fatalf("close reason %q, want %q", ce.Reason, reason)
	}
	c.Close()
}
