package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/ws"
)

// helloUser greets the authenticated user.
func helloUser(c *ws.Conn) error {
	name, _ := middleware.User[string](c)
	return c.SendText("hello " + name)
}

// startExample serves app and returns its ws:// base URL and a stop function.
func startExample(app *nexo.App) (string, func()) {
	srv := httptest.NewServer(app)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), func() {
		app.Shutdown(context.Background())
		srv.Close()
	}
}

// printFirst prints the first message, or how the connection was closed.
func printFirst(conn *websocket.Conn) {
	defer conn.Close()
	if _, msg, err := conn.ReadMessage(); err != nil {
		fmt.Println(err)
	} else {
		fmt.Println(string(msg))
	}
}

func ExampleTokenAuth() {
	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", helloUser, middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: middleware.StaticTokens(map[string]any{"s3cret": "ada"}),
	}))
	base, stop := startExample(app)
	defer stop()

	// A browser offers the token as a subprotocol:
	// new WebSocket(url, ["nexo.auth", token]).
	d := websocket.Dialer{Subprotocols: []string{"nexo.auth", "s3cret"}}
	conn, _, err := d.Dial(base+"/ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("protocol:", conn.Subprotocol())
	printFirst(conn)

	// Other clients send a header.
	conn, _, _ = websocket.DefaultDialer.Dial(base+"/ws", http.Header{"Authorization": {"Bearer s3cret"}})
	printFirst(conn)

	// A wrong token: the handshake completes, then the close frame.
	conn, _, _ = websocket.DefaultDialer.Dial(base+"/ws?token=guess", nil)
	printFirst(conn)
	// Output:
	// protocol: nexo.auth
	// hello ada
	// hello ada
	// websocket: close 4401: invalid token
}

func ExampleTickets() {
	tickets := middleware.NewTickets(middleware.TicketOptions{})
	app := nexo.New(nexo.WithoutClient())
	// The ticket endpoint sits behind the application's usual HTTP
	// authentication; here, a header stands in for it.
	app.Handle("/ticket", tickets.Handler(func(r *http.Request) (any, bool) {
		u := r.Header.Get("X-Demo-User")
		return u, u != ""
	}))
	app.WebSocketRoute("/ws", helloUser, middleware.Redeem(tickets))
	base, stop := startExample(app)
	defer stop()

	req, _ := http.NewRequest(http.MethodPost, "http"+strings.TrimPrefix(base, "ws")+"/ticket", nil)
	req.Header.Set("X-Demo-User", "ada")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var t middleware.TicketResponse
	json.NewDecoder(resp.Body).Decode(&t)
	resp.Body.Close()
	fmt.Println("expires in", t.ExpiresIn, "s")

	conn, _, _ := websocket.DefaultDialer.Dial(base+"/ws?ticket="+t.Ticket, nil)
	printFirst(conn)
	// A ticket works once.
	conn, _, _ = websocket.DefaultDialer.Dial(base+"/ws?ticket="+t.Ticket, nil)
	printFirst(conn)
	// Output:
	// expires in 30 s
	// hello ada
	// websocket: close 4401: invalid ticket
}

func ExampleSessionAuth() {
	type account struct{ Name string }
	// Keys come from configuration: 32 or 64 bytes to sign, optionally 32
	// more to encrypt.
	hashKey := []byte("an example key of 32 bytes, no!!")
	store := middleware.NewCookieStore[account](hashKey, nil, middleware.CookieOptions{})

	app := nexo.New(nexo.WithoutClient())
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		a, ok := middleware.User[account](c)
		if !ok {
			return c.SendText("hello, anonymous reader")
		}
		return c.SendText("hello " + a.Name)
	}, middleware.SessionAuth(store, false)) // false: anonymous readers allowed
	base, stop := startExample(app)
	defer stop()

	// A login handler calls store.Save(w, user); the browser then sends
	// the cookie with the handshake by itself.
	rec := httptest.NewRecorder()
	store.Save(rec, account{Name: "ada"})
	cookie := rec.Result().Cookies()[0]

	conn, _, _ := websocket.DefaultDialer.Dial(base+"/ws", http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}})
	printFirst(conn)
	conn, _, _ = websocket.DefaultDialer.Dial(base+"/ws", nil)
	printFirst(conn)
	// Output:
	// hello ada
	// hello, anonymous reader
}

// UserAs tells a user of another type from no user: here the verifier
// stores a *string where the handler reads a string.
func ExampleUserAs() {
	app := nexo.New()
	name := "ada"
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		u, err := middleware.UserAs[string](c)
		if err != nil {
			return c.SendText(err.Error())
		}
		return c.SendText("hello " + u)
	}, middleware.TokenAuth(middleware.TokenAuthOptions{
		Verify: middleware.StaticTokens(map[string]any{"s3cret": &name}),
	}))
	url, stop := startExample(app)
	defer stop()

	conn, _, err := websocket.DefaultDialer.Dial(url+"/ws?token=s3cret", nil)
	if err != nil {
		panic(err)
	}
	printFirst(conn)
	// Output: middleware: the user on the connection is a *string, not a string
}
