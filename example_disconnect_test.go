package nexo_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// A logout closes every socket of the user, on every instance that shares
// the broker; Disconnect closes one connection by its ID.
func ExampleApp_DisconnectUser() {
	app := nexo.New()
	app.UseWS(func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			// Auth middleware stores the user; a string (or a value with a
			// UserID method) is its ID for DisconnectUser.
			c.Set(channels.UserKey, c.Query().Get("user"))
			return next(c)
		}
	})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		if err := c.SendText(c.ID()); err != nil {
			return err
		}
		for range c.Texts() {
		}
		return c.Err()
	})
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	tab1, tab2, other := dial(srv, "/ws?user=ada"), dial(srv, "/ws?user=ada"), dial(srv, "/ws?user=bob")
	for _, c := range []*websocket.Conn{tab1, tab2} {
		c.ReadMessage() // its ID
	}
	_, id, _ := other.ReadMessage()

	app.DisconnectUser(context.Background(), "ada", ws.CloseUnauthorized, "logged out")
	for _, c := range []*websocket.Conn{tab1, tab2} {
		_, _, err := c.ReadMessage()
		fmt.Println(err)
	}
	app.Disconnect(context.Background(), string(id), ws.ClosePolicyViolation, "kicked")
	_, _, err := other.ReadMessage()
	fmt.Println(err)
	// Output:
	// websocket: close 4401: logged out
	// websocket: close 4401: logged out
	// websocket: close 1008 (policy violation): kicked
}
