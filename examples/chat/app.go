package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/ws"
)

//go:embed index.html
var page []byte

// chat serves the rooms of one App.
type chat struct {
	app   *nexo.App
	rooms *rooms
	limit ws.MessageFilter // the message rate of every connection
}

// newApp returns the chat App. Whichever broker NEXO_BROKER chooses
// (in process by default, Redis or NATS for several instances) keeps the
// recent messages of every room (see limits.go), so that a newcomer gets
// the last historySize and a page that reconnects gets exactly what it
// missed.
func newApp(opts ...nexo.Option) *nexo.App {
	history := channels.HistoryPolicy{Pattern: "chat:*", MaxCount: historyCount, MaxBytes: historyBytes, MaxAge: historyAge}
	opts = append([]nexo.Option{nexo.WithHistory(history)}, opts...)
	app := nexo.New(opts...)
	ch := &chat{
		app:   app,
		rooms: newRooms(maxRooms, historyInProcess(app.Broker())),
		limit: channels.RateLimit(messageRate, messageBurst, channels.RateDrop),
	}
	app.Get("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/chat/lobby", http.StatusFound)
	})
	app.Get("/chat/{room}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	app.WebSocketRoute("/chat/{room}", ch.serve)
	return app
}

// historyInProcess reports whether b keeps the rooms' history in this
// process (the in-process broker does; Redis and NATS keep it in the
// server).
func historyInProcess(b channels.Broker) bool {
	switch b.(type) {
	case *redisbroker.Broker, *natsbroker.Broker:
		return false
	}
	return true
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

func (ch *chat) serve(c *ws.Conn) error {
	room := c.PathParam("room")
	if len(room) > maxRoomName {
		return c.Close(ws.ClosePolicyViolation, "room name too long")
	}
	if err := c.Accept(ws.WithMessageFilter(ch.limit)); err != nil {
		return err
	}
	if _, err := ch.rooms.enter(room); err != nil {
		return c.Close(ws.CloseTryAgainLater, err.Error())
	}
	defer ch.rooms.leave(room)
	app := ch.app
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
		if err := reply(c, in.Ref); err != nil {
			return err
		}
	}
}

// reply tells the sender that its message with ref went out; a message
// without a ref gets no reply.
func reply(c *ws.Conn, ref json.RawMessage) error {
	if len(ref) == 0 || string(ref) == "null" {
		return nil
	}
	return c.SendJSON(replyFrame{Type: "reply", Ref: ref})
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
