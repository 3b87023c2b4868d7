package nexo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-playground/validator/v10"
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

// WithServer changes the http.Server that Serve starts: here headers over
// 1 KiB are refused with 431 (the default bound is 64 KiB).
func ExampleWithServer() {
	app := nexo.New(nexo.WithServer(func(s *http.Server) { s.MaxHeaderBytes = 1 << 10 }))
	app.Get("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()

	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 8<<10)) // over 1 KiB plus net/http's 4 KiB of slack
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	http.DefaultClient.CloseIdleConnections()
	cancel()
	fmt.Println(<-served)
	// Output:
	// 431
	// <nil>
}

// NEXO_BROKER=redis needs the Redis broker's package in the program,
// imported for its side effect like a database/sql driver:
//
//	import _ "github.com/nexogo/nexo/channels/redisbroker"
//
// Without it New cannot open the broker, and Err says which import to
// add.
func ExampleErrNoBrokerDriver() {
	app := nexo.New()
	if errors.Is(app.Err(), nexo.ErrNoBrokerDriver) {
		log.Fatal(app.Err()) // nexo: broker package not imported: NEXO_BROKER=redis needs import _ "github.com/nexogo/nexo/channels/redisbroker" in the program
	}
}

// Custom validation tags: register them on ws.NewValidator (which names
// fields by their JSON names) and give it to the App. Every `validate:`
// check of the App's routes then knows them.
func ExampleWithValidator() {
	v := ws.NewValidator()
	v.RegisterValidation("room", func(fl validator.FieldLevel) bool {
		return strings.HasPrefix(fl.Field().String(), "room-")
	})
	type join struct {
		Room string `json:"room" validate:"required,room"`
	}
	app := nexo.New(nexo.WithValidator(v))
	app.WebSocketRoute("/join", func(c *ws.Conn) error {
		m, err := ws.Decode[join](c)
		if err != nil {
			return c.SendError(err) // {"type":"error","error":"validation",...}
		}
		return c.SendText("joined " + m.Room)
	})
	srv := httptest.NewServer(app)
	defer stop(app, srv)

	for _, room := range []string{"lobby", "room-1"} {
		c := dial(srv, "/join")
		c.WriteJSON(join{Room: room})
		_, msg, _ := c.ReadMessage()
		fmt.Println(string(msg))
		c.Close()
	}
	// Output:
	// {"type":"error","error":"validation","message":"validation failed","fields":{"room":"room"}}
	// joined room-1
}
