package nexo_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// dial connects a plain gorilla client to the test server.
func dial(srv *httptest.Server, path string) *websocket.Conn {
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
	if err != nil {
		panic(err)
	}
	return c
}

func stop(app *nexo.App, srv *httptest.Server) {
	app.Shutdown(context.Background())
	srv.Close()
}

func ExampleApp_WebSocketRoute() {
	app := nexo.New()
	app.WebSocketRoute("/chat/{room}", func(c *ws.Conn) error {
		for msg := range c.Texts() {
			if err := c.SendText(c.PathParam("room") + ": " + msg); err != nil {
				return err
			}
		}
		return c.Err()
	})
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	c := dial(srv, "/chat/lobby")
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close()
	// Output: lobby: hello
}

func ExampleApp_UseWS() {
	auth := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if c.Query().Get("token") != "secret" {
				return c.Close(ws.CloseUnauthorized, "invalid token")
			}
			c.Set("user", "ada")
			return next(c)
		}
	}
	app := nexo.New()
	app.UseWS(auth)
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		user, _ := c.Get("user")
		return c.SendText("hello " + user.(string))
	})
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	c := dial(srv, "/ws")
	_, _, err := c.ReadMessage()
	fmt.Println(ws.CloseStatus(toCloseError(err)), err.(*websocket.CloseError).Text)

	c = dial(srv, "/ws?token=secret")
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close()
	// Output:
	// 4401 invalid token
	// hello ada
}

func toCloseError(err error) error {
	if ce, ok := err.(*websocket.CloseError); ok {
		return &ws.CloseError{Code: ce.Code, Reason: ce.Text}
	}
	return err
}
