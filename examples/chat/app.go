package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/channels/natsbroker"
	"github.com/nexogo/nexo/channels/redisbroker"
	"github.com/nexogo/nexo/contract"
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
	app.WebSocketHandler("/chat/{room}", contract.Describe(ch.serve, chatContract()))
	// The contract of the route (contract.go), for other teams and tools.
	app.Get("/nexo/asyncapi.json", app.AsyncAPIHandler(contractInfo()).ServeHTTP)
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

// roomOptions joins a room with its history when the broker keeps it: a
// newcomer gets the last historySize messages, a page that reconnects
// (its client sends its last position) gets what it missed, each once.
// A broker without history for the room delivers live messages only.
func roomOptions(app *nexo.App, topic, name, tab string) []channels.JoinOption {
	opts := []channels.JoinOption{channels.WithPresence(name, tabMeta(tab))}
	if hb, ok := app.Broker().(channels.HistoryBroker); ok && hb.HasHistory(topic) {
		opts = append(opts, channels.RecoverLast(historySize))
	}
	return opts
}

// reasonUnavailable closes a new page with 1013 (its client retries
// later) while the broker is unreachable.
const reasonUnavailable = "chat unavailable, try again later"

// errNotDelivered marks a frame the broker could not carry out: the page
// gets a not_delivered error frame with its ref, and stays connected.
var errNotDelivered = errors.New("not_delivered")

// errUnlisted is a rename that took the page out of the room's presence
// and could not write it back: the page is answered, then closed.
var errUnlisted = errors.New("chat: renamed page not listed")

// unknownUserError is the answer of session.private for a recipient not
// in the room.
type unknownUserError struct{ name string }

func (e unknownUserError) Error() string { return e.name + " is not in this room" }

func (ch *chat) serve(c *ws.Conn) error {
	roomName := c.PathParam("room")
	if !validRoom(roomName) {
		return c.Close(ws.ClosePolicyViolation, "bad room name")
	}
	if err := c.Accept(ws.WithMessageFilter(ch.limit)); err != nil {
		return err
	}
	r, err := ch.rooms.enter(roomName)
	if err != nil {
		return c.Close(ws.CloseTryAgainLater, err.Error())
	}
	defer ch.rooms.leave(roomName)
	s, err := ch.join(c, r, roomName, c.Query().Get("name"), tabOf(c.Query().Get("tab")))
	if errors.Is(err, ws.ErrClosed) {
		return err
	}
	if err != nil {
		// The page is told to try again; the operator is told why.
		slog.Warn("chat: a page could not join its room", "room", roomName, "err", err)
		return c.Close(ws.CloseTryAgainLater, reasonUnavailable)
	}
	for {
		in, err := ws.Decode[inbound](c)
		if errors.Is(err, ws.ErrClosed) {
			return err
		}
		var data any
		if err == nil {
			data, err = s.handle(in)
		}
		if err := answer(c, in.Ref, data, err); err != nil {
			return err
		}
		if errors.Is(err, errUnlisted) {
			// Out of presence, the page would stay unlisted for good: it
			// is closed, to come back and join again once the broker is.
			return c.Close(ws.CloseTryAgainLater, reasonUnavailable)
		}
	}
}

// answer tells the sender how its frame with ref fared: a reply with data
// when it was carried out (none without a ref), else an error frame
// carrying the ref: the validation or JSON error of a frame refused as
// invalid, unknown_user, or not_delivered. The connection stays open; answer
// returns an error only when it is closed.
func answer(c *ws.Conn, ref json.RawMessage, data any, err error) error {
	if errors.Is(err, ws.ErrClosed) {
		return err
	}
	hasRef := len(ref) > 0 && string(ref) != "null"
	var f any
	switch {
	case err == nil && !hasRef:
		return nil
	case err == nil:
		f = replyFrame{Type: "reply", Ref: ref, Data: data}
	default:
		e := errorFrame(err)
		if hasRef {
			e.Ref = ref
		}
		f = e
	}
	if err := c.SendJSON(f); errors.Is(err, ws.ErrClosed) {
		return err
	}
	return nil
}

// errorFrame describes err for the page.
func errorFrame(err error) ws.ErrorFrame {
	switch {
	case errors.Is(err, errNotDelivered):
		return ws.ErrorFrame{Type: "error", Error: errNotDelivered.Error(), Message: "message not delivered: " + reasonUnavailable}
	case errors.As(err, new(unknownUserError)):
		return ws.ErrorFrame{Type: "error", Error: "unknown_user", Message: err.Error()}
	default: // invalid input
		return ws.NewErrorFrame(err)
	}
}
