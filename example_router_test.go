package nexo_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// A group's WS middleware guards the group's WebSocket routes only; the
// route beside the group is open.
func ExampleRouter_Group() {
	auth := func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if c.Query().Get("token") != "secret" {
				return c.Close(ws.CloseUnauthorized, "invalid token")
			}
			return next(c)
		}
	}
	app := nexo.New()
	app.Group(func(r *nexo.Router) {
		r.UseWS(auth)
		r.WebSocketRoute("/admin", func(c *ws.Conn) error { return c.SendText("admin") })
	})
	app.WebSocketRoute("/lobby", func(c *ws.Conn) error { return c.SendText("lobby") })
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	for _, path := range []string{"/admin", "/admin?token=secret", "/lobby"} {
		c := dial(srv, path)
		_, msg, err := c.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); ok {
			fmt.Println(path, "closed", ce.Code)
		} else {
			fmt.Println(path, string(msg))
		}
		c.Close()
	}
	// Output:
	// /admin closed 4401
	// /admin?token=secret admin
	// /lobby lobby
}

// Route makes a sub-router, as in chi; its WebSocket routes run the WS
// middleware of the app first, then their own.
func ExampleRouter_Route() {
	app := nexo.New()
	app.Route("/rooms", func(r *nexo.Router) {
		r.UseWS(func(next ws.HandlerFunc) ws.HandlerFunc {
			return func(c *ws.Conn) error {
				c.Set("room", c.PathParam("id"))
				return next(c)
			}
		})
		r.WebSocketRoute("/{id}", func(c *ws.Conn) error {
			room, _ := c.Get("room")
			return c.SendText(c.Request().Pattern + " " + room.(string))
		})
	})
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	c := dial(srv, "/rooms/42")
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close()
	// Output: /rooms/{id} 42
}

// A ws.Router carries its prefix (Nexios's WSRouter prefix): mounting it
// at "/" does not restate it.
func ExampleRouter_MountWS() {
	chat := ws.NewRouter(ws.WithPrefix("/chat"))
	chat.HandleFunc("/{room}", func(c *ws.Conn) error {
		return c.SendText("welcome to " + c.PathParam("room"))
	})
	app := nexo.New()
	app.MountWS("/", chat)
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	c := dial(srv, "/chat/lobby")
	_, msg, _ := c.ReadMessage()
	fmt.Println(string(msg))
	c.Close()
	// Output: welcome to lobby
}

// BroadcastRoute reaches the connections of one route only (Robyn's
// broadcast on one endpoint), on every instance.
func ExampleApp_BroadcastRoute() {
	app := nexo.New()
	joined := make(chan struct{}, 2)
	wait := func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		joined <- struct{}{}
		for range c.Texts() {
		}
		return c.Err()
	}
	app.WebSocketRoute("/news", wait)
	app.WebSocketRoute("/sports", wait)
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	news, sports := dial(srv, "/news"), dial(srv, "/sports")
	<-joined
	<-joined
	app.BroadcastRoute("/news", "breaking")
	app.Broadcast("for everyone")
	for _, c := range []*websocket.Conn{news, sports} {
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
		c.Close()
	}
	// Output:
	// breaking
	// for everyone
}
