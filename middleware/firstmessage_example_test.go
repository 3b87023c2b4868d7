package middleware_test

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

func ExampleFirstMessageAuth() {
	// The handler sees the messages after the token, and the user.
	echoAs := func(c *ws.Conn) error {
		name, _ := middleware.User[string](c)
		for msg := range c.Texts() {
			if err := c.SendText(name + ": " + msg); err != nil {
				return err
			}
		}
		return c.Err()
	}
	verify := middleware.StaticTokens(map[string]any{"s3cret": "ada"})
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", echoAs, middleware.FirstMessageAuth(verify, 5*time.Second))
	base, stop := startExample(app)
	defer stop()

	// A browser connects without credentials and sends the token first,
	// so that it appears in no URL and no log.
	conn, _, err := websocket.DefaultDialer.Dial(base+"/ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"auth","token":"s3cret"}`))
	conn.WriteMessage(websocket.TextMessage, []byte("hello"))
	printFirst(conn)

	// A wrong token closes with 4401.
	conn, _, _ = websocket.DefaultDialer.Dial(base+"/ws", nil)
	conn.WriteMessage(websocket.TextMessage, []byte(`{"token":"guess"}`))
	printFirst(conn)
	// Output:
	// ada: hello
	// websocket: close 4401: invalid token
}
