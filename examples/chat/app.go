package main

import (
	_ "embed"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

//go:embed index.html
var page []byte

func newApp(opts ...nexo.Option) *nexo.App {
	app := nexo.New(opts...)
	hist := newHistory(app.Broker())
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/chat/lobby", http.StatusFound)
	})
	app.Get("/chat/{room}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.WebSocketRoute("/chat/{room}", func(c *ws.Conn) error {
		return serveChat(app, hist, c)
	})
	return app
}

// cleanName keeps a display name short and printable.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 32 {
		s = string([]rune(s)[:32])
	}
	if s == "" {
		s = "guest"
	}
	return s
}

func serveChat(app *nexo.App, hist *history, c *ws.Conn) error {
	room := c.PathParam("room")
	name := cleanName(c.Query().Get("name"))
	topic := "chat:" + room
	if err := hist.watch(app.Context(), topic); err != nil {
		return err
	}
	// Presence events first, so that the page misses no join after the
	// user list it is about to receive.
	if _, err := channels.Join(c, channels.PresenceTopic(topic)); err != nil {
		return err
	}
	sub, err := channels.Join(c, topic, channels.WithPresence(name, nil))
	if err != nil {
		return err
	}
	entries, err := sub.Presence()
	if err != nil {
		return err
	}
	users := make([]string, 0, len(entries))
	for _, e := range entries {
		users = append(users, e.UserID)
	}
	if err := c.SendJSON(welcome{Type: "welcome", You: name, Room: room, Users: users, History: hist.last(topic)}); err != nil {
		return err
	}
	for {
		in, err := ws.Decode[inbound](c)
		if errors.Is(err, ws.ErrClosed) {
			return err
		}
		if err != nil {
			c.SendError(err) // invalid input: say so, stay connected
			continue
		}
		msg := chatMessage{Type: in.Type, From: name, Text: in.Text, At: time.Now().UTC()}
		if in.Type == "message" {
			err = sub.Publish(msg)
		} else {
			err = sendPrivate(app, sub, c, msg, cleanName(in.To))
		}
		if err != nil {
			return err
		}
	}
}

// sendPrivate delivers msg to every connection of user to in the room,
// on whichever instance, and echoes it to the sender.
func sendPrivate(app *nexo.App, sub *channels.Subscription, c *ws.Conn, msg chatMessage, to string) error {
	msg.To = to
	entries, err := sub.Presence()
	if err != nil {
		return err
	}
	found := false
	for _, e := range entries {
		if e.UserID == to && e.ConnID != c.ID() {
			found = true
			if err := app.SendTo(e.ConnID, msg); err != nil {
				return err
			}
		}
	}
	if !found {
		return c.SendJSON(ws.ErrorFrame{Type: "error", Error: "unknown_user", Message: to + " is not in this room"})
	}
	return c.SendJSON(msg)
}
