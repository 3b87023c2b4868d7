package nexotest_test

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// echoApp is an App whose /ws echoes text until the client leaves.
func echoApp() *nexo.App {
	app := nexo.New()
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		for msg := range c.Texts() {
			if err := c.SendText(msg); err != nil {
				return err
			}
		}
		return c.Err()
	})
	return app
}

// TestCleanupWithOpenClientIsFast: a test that ends with its client still
// open must not pay the server's close timeout (5 s) at cleanup.
func TestCleanupWithOpenClientIsFast(t *testing.T) {
	start := time.Now()
	t.Run("open client", func(t *testing.T) {
		srv := nexotest.NewServer(t, echoApp())
		c := srv.Dial("/ws")
		c.SendText("hi")
		c.ExpectText("hi")
		// The test ends here, with c open.
	})
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("the test and its cleanup took %v, want well under 1 s", took)
	}
}

// TestExpectCloseReturnsCloseError: the close comes back as nexo's
// *ws.CloseError, with the reason and who closed first.
func TestExpectCloseReturnsCloseError(t *testing.T) {
	app := nexo.New()
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		return c.Close(ws.CloseUnauthorized, "invalid token")
	})
	srv := nexotest.NewServer(t, app)
	var ce *ws.CloseError = srv.Dial("/ws").ExpectClose(ws.CloseUnauthorized)
	if ce.Reason != "invalid token" || !ce.Remote {
		t.Fatalf("got %+v, want reason %q from the server", ce, "invalid token")
	}
	if ws.CloseStatus(ce) != ws.CloseUnauthorized {
		t.Fatalf("CloseStatus = %d", ws.CloseStatus(ce))
	}
}

// TestDialOverTLS: a server started WithTLS is dialed over wss:// with its
// certificate trusted, as Client() trusts it.
func TestDialOverTLS(t *testing.T) {
	srv := nexotest.NewServer(t, echoApp(), nexotest.WithTLS())
	c := srv.Dial("/ws")
	if _, ok := c.UnderlyingConn().(*tls.Conn); !ok {
		t.Fatalf("the connection is a %T, not TLS", c.UnderlyingConn())
	}
	c.SendText("hi")
	c.ExpectText("hi")
	c.CloseNormal()
}
