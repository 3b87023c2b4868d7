package redissession_test

import (
	"log"
	"net/http"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/middleware"
	"github.com/nexogo/nexo/middleware/redissession"
	"github.com/nexogo/nexo/ws"
	"github.com/redis/go-redis/v9"
)

// Sessions in Redis: login creates one, logout deletes it (its cookie
// opens nothing from then on, on every instance), and every socket of
// the app is authenticated by it, as Pyxle's authenticate_websocket.
func ExampleNew() {
	type user struct{ Name string }
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	sessions := redissession.New[user](rdb, redissession.Options{})

	app := nexo.New()
	app.UseWS(middleware.SessionAuth(sessions, true)) // the one line: 4401 without a session
	app.Post("/login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the password first.
		if _, err := sessions.Create(r.Context(), w, user{Name: r.FormValue("name")}); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	app.Post("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := sessions.Destroy(w, r); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	app.WebSocketRoute("/ws", func(c *ws.Conn) error {
		me, _ := middleware.User[user](c) // from the session, never from the payload
		return c.SendText("hello " + me.Name)
	})
	if err := app.Run("127.0.0.1:8000"); err != nil {
		log.Fatal(err)
	}
}
