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
	// The probes of docs/deployment.md: /readyz fails while the broker
	// is unreachable and once shutdown starts, so that a balancer sends
	// new pages elsewhere.
	app.Get("/healthz", app.Healthz)
	app.Get("/readyz", app.Readyz)
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

// Answers to a page while the broker is unreachable: a new page is closed
// with 1013 (its client retries later), a message is refused with a
// not_delivered error frame that carries its ref, and the connection stays.
const (
	reasonUnavailable = "chat unavailable, try again later"
	errNotDelivered   = "not_delivered"
)

// unknownUserError is sendPrivate's answer for a recipient not in the
// room.
type unknownUserError struct{ name string }

func (e unknownUserError) Error() string { return e.name + " is not in this room" }

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
	name := cleanName(c.Query().Get("name"))
	sub, err := ch.join(c, room, name)
	if errors.Is(err, ws.ErrClosed) {
		return err
	}
	if err != nil {
		return c.Close(ws.CloseTryAgainLater, reasonUnavailable)
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
			err = ch.sendPrivate(sub, c, msg, cleanName(in.To))
		}
		if err := answer(c, in.Ref, err); err != nil {
			return err
		}
	}
}

// join joins c to the room as name, with the room's presence events and
// recent history, and sends the welcome.
func (ch *chat) join(c *ws.Conn, room, name string) (*channels.Subscription, error) {
	topic := "chat:" + room
	// Presence events first, so that the page misses no join after the
	// user list it is about to receive.
	if _, err := channels.Join(c, channels.PresenceTopic(topic)); err != nil {
		return nil, err
	}
	// The recovered messages, then {"type":"joined"}, arrive before the
	// welcome.
	sub, err := channels.Join(c, topic, roomOptions(ch.app, topic, name)...)
	if err != nil {
		return nil, err
	}
	entries, err := sub.Presence()
	if err != nil {
		return nil, err
	}
	users := make([]string, 0, len(entries))
	for _, e := range entries {
		users = append(users, e.UserID)
	}
	return sub, c.SendJSON(welcome{Type: "welcome", You: name, Room: room, Users: users})
}

// answer tells the sender how its message with ref fared: a reply when it
// went out (none without a ref), else an error frame carrying the ref. It
// returns an error only when the connection is closed.
func answer(c *ws.Conn, ref json.RawMessage, err error) error {
	if errors.Is(err, ws.ErrClosed) {
		return err
	}
	hasRef := len(ref) > 0 && string(ref) != "null"
	switch {
	case err == nil && !hasRef:
		return nil
	case err == nil:
		err = c.SendJSON(replyFrame{Type: "reply", Ref: ref})
	case errors.As(err, new(unknownUserError)):
		err = c.SendJSON(ws.ErrorFrame{Type: "error", Error: "unknown_user", Message: err.Error(), Ref: ref})
	default:
		err = c.SendJSON(ws.ErrorFrame{Type: "error", Error: errNotDelivered, Message: "message not delivered: " + reasonUnavailable, Ref: ref})
	}
	if errors.Is(err, ws.ErrClosed) {
		return err
	}
	return nil
}

// sendPrivate delivers msg to every connection of user to in the room,
// on whichever instance, and echoes it to the sender.
func (ch *chat) sendPrivate(sub *channels.Subscription, c *ws.Conn, msg chatMessage, to string) error {
	msg.To = to
	entries, err := sub.Presence()
	if err != nil {
		return err
	}
	found := false
	for _, e := range entries {
		if e.UserID == to && e.ConnID != c.ID() {
			found = true
			if err := ch.app.SendTo(e.ConnID, msg); err != nil {
				return err
			}
		}
	}
	if !found {
		return unknownUserError{to}
	}
	return c.SendJSON(msg)
}
