// The baseline of TestQuickStartSize: the README's quick start written
// with chi, gorilla/websocket and validator v10 directly, the three
// libraries nexo is built on.
package main

import (
	"io"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-playground/validator/v10"
	"github.com/gorilla/websocket"
)

type message struct {
	Text string `json:"text" validate:"required"`
}

func main() {
	validate := validator.New(validator.WithRequiredStructEnabled())
	var upgrader websocket.Upgrader
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	r.Get("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			var m message
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			if err := validate.Struct(&m); err != nil {
				return
			}
			if err := c.WriteMessage(websocket.TextMessage, []byte("echo: "+m.Text)); err != nil {
				return
			}
		}
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8000", r))
}
