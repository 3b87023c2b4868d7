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

// historySize is how many of a room's messages a newcomer gets.
const historySize = 50

// newApp returns the chat App. Whichever broker NEXO_BROKER chooses
// (in process by default, Redis or NATS for several instances) keeps the
// recent messages of every room (the last 500, for an hour), so that a
// newcomer gets the last historySize and a page that reconnects gets
// exactly what it missed.
func newApp(opts ...nexo.Option) *nexo.App {
	rooms := channels.HistoryPolicy{Pattern: "chat:*", MaxCount: 500, MaxAge: time.Hour}
	opts = append([]nexo.Option{nexo.WithHistory(rooms)}, opts...)
	app := nexo.New(opts...)
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/chat/lobby", http.StatusFound)
	})
	app.Get("/chat/{room}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.WebSocketRoute("/chat/{room}", func(c *ws.Conn) error {
		return serveChat(app, c)
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

// roomOptions joins a room with its history when the broker keeps it: a
// newcomer gets the last historySize messages, a page that reconnects
// (its client sends its last position) gets what it missed, each once.
// A broker without history for the room delivers live messages only.
func roomOptions(app *nexo.App, topic, name string) []channels.JoinOption {
	opts := []channels.JoinOption{channels.WithPresence(name, nil)}
	if hb, ok := app.Broker().(channels.HistoryBroker); ok && hb.HasHistory(topic) {
		opts = append(opts, channels.RecoverLast(historySize))
	}
	return opts
}

func serveChat(app *nexo.App, c *ws.Conn) error {
	room := c.PathParam("room")
	name := cleanName(c.Query().Get("name"))
	topic := "chat:" + room
	// Presence events first, so that the page misses no join after the
	// user list it is about to receive.
	if _, err := channels.Join(c, channels.PresenceTopic(topic)); err != nil {
		return err
	}
	// The recovered messages, then {"type":"joined"}, arrive before the
	// welcome.
	sub, err := channels.Join(c, topic, roomOptions(app, topic, name)...)
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
	if err := c.SendJSON(welcome{Type: "welcome", You: name, Room: room, Users: users}); err != nil {
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
