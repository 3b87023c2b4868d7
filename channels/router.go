package channels

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

// EventRouter dispatches event frames ({"event":..., "data":..., "ref":...})
// to handlers registered by event name with On, each with its own payload
// type, decoded and validated before the handler runs. A handler's result
// goes back as a reply when the frame carried a ref; bad input, unknown
// events and handler errors go back as error frames, and the connection
// stays open. See the package documentation for the frame format.
//
// Set the exported fields before serving. Registering handlers is safe at
// any time, concurrently with dispatch. The zero EventRouter is ready to
// use; NewEventRouter returns one.
type EventRouter struct {
	// OnConnect runs after the handshake. An error closes the connection
	// with 1011.
	OnConnect func(c *ws.Conn) error
	// OnDisconnect runs once the connection has ended, with the error that
	// ended it (a *ws.CloseError when the peer closed).
	OnDisconnect func(c *ws.Conn, err error)
	// Options are applied at the handshake (for example
	// ws.WithMessageFilter(channels.RateLimit(...))).
	Options []ws.Option
	// Logger receives handler errors that are not UserErrors, which the
	// client sees only as "internal error". Nil means slog.Default().
	Logger *slog.Logger

	mu       sync.RWMutex
	handlers map[string]eventHandler
	obs      atomic.Pointer[eventObserver] // see Observe
	specs    map[string]contract.Event     // the types of each event
	pushes   map[string]contract.Push      // declared with DeclarePush
}

// eventHandler decodes data, validates it and runs the user's handler.
type eventHandler func(c *ws.Conn, data json.RawMessage) (any, error)

// NewEventRouter returns an EventRouter with no events.
func NewEventRouter() *EventRouter { return &EventRouter{} }

// On registers h for event: the frame's data is decoded from JSON into a T
// (absent or null data leaves T's zero value) and validated with
// c.Validate (T's `validate:` tags, validator v10) before h runs. When the
// frame carried a ref, h's result is sent back as
// {"type":"reply","ref":ref,"data":result} (data null for a nil result), so
// that a client awaiting the reply never waits in vain. An error from h is
// answered with {"type":"error","error":"handler",...}: its message is
// shown only for a *UserError, otherwise it is "internal error" and the
// error is logged.
//
// On panics when event is empty or already registered: registration is
// setup, like chi's.
func On[T any](r *EventRouter, event string, h func(c *ws.Conn, data T) (any, error)) {
	if h == nil {
		panic("channels: On " + event + " with a nil handler")
	}
	register(r, contract.EventOf[T, any](event), func(c *ws.Conn, data json.RawMessage) (any, error) {
		v, err := decodeData[T](c, data)
		if err != nil {
			return nil, err
		}
		res, err := h(c, v)
		if err != nil {
			return nil, &handlerError{err: err}
		}
		return res, nil
	})
}

// decodeData decodes an event's data into a T (absent data leaves the
// zero value) and validates it.
func decodeData[T any](c *ws.Conn, data json.RawMessage) (T, error) {
	var v T
	if data != nil {
		if err := (ws.Message{Type: ws.TextMessage, Data: data}).JSON(&v); err != nil {
			return v, err
		}
	}
	if err := c.Validate(&v); err != nil {
		return v, err
	}
	return v, nil
}

// register adds the handler of an event and its description.
func register(r *EventRouter, spec contract.Event, eh eventHandler) {
	if spec.Name == "" {
		panic("channels: On with an empty event name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[spec.Name]; dup {
		panic("channels: event " + spec.Name + " registered twice")
	}
	if r.handlers == nil {
		r.handlers = make(map[string]eventHandler)
		r.specs = make(map[string]contract.Event)
	}
	r.handlers[spec.Name] = eh
	r.specs[spec.Name] = spec
}

// Events returns the registered event names, sorted.
func (r *EventRouter) Events() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.handlers))
	for n := range r.handlers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Handler returns the ws.HandlerFunc that accepts the connection, runs
// OnConnect, then dispatches every message until the connection ends.
func (r *EventRouter) Handler() ws.HandlerFunc {
	return func(c *ws.Conn) (err error) {
		if err := c.Accept(r.Options...); err != nil && !errors.Is(err, ws.ErrAlreadyAccepted) {
			return err
		}
		if r.OnDisconnect != nil {
			defer func() { r.OnDisconnect(c, disconnectErr(c, err)) }()
		}
		if r.OnConnect != nil {
			if err := r.OnConnect(c); err != nil {
				return err
			}
		}
		for {
			m, err := c.Receive()
			if err != nil {
				if !isInputError(c, err) {
					return err
				}
				// A message filter refused one message.
				if err := answer(c, ws.NewErrorFrame(err)); err != nil {
					return err
				}
				continue
			}
			if err := r.Dispatch(c, m); err != nil {
				return err
			}
		}
	}
}

// Dispatch handles one received message as an event frame: it runs the
// event's handler and sends the reply or the error frame. It returns an
// error only when the connection has ended, so a read loop of its own can
// call it for each message.
func (r *EventRouter) Dispatch(c *ws.Conn, m ws.Message) error {
	f, err := ParseEventFrame(m.Data)
	if err != nil {
		fr := ws.NewErrorFrame(err)
		if errors.Is(err, ErrNoEvent) {
			fr.Message = `frame has no "event"`
		}
		return answer(c, withRef(fr, f.Ref))
	}
	r.mu.RLock()
	h := r.handlers[f.Event]
	r.mu.RUnlock()
	if h == nil {
		return answer(c, withRef(ws.ErrorFrame{
			Type: "error", Error: "unknown_event",
			Message: fmt.Sprintf("unknown event %q", truncate(f.Event, 64)),
		}, f.Ref))
	}
	res, err := r.observed(f.Event, h)(c, f.Data)
	if err != nil {
		if errors.Is(err, ws.ErrClosed) {
			return err
		}
		return answer(c, withRef(r.errorFrame(c, f.Event, err), f.Ref))
	}
	if f.Ref == nil {
		return nil
	}
	b, err := json.Marshal(reply{Type: "reply", Ref: f.Ref, Data: res})
	if err != nil {
		return answer(c, withRef(r.errorFrame(c, f.Event, &handlerError{err: err}), f.Ref))
	}
	return sent(c.SendMessage(ws.TextMessage, b))
}

// errorFrame describes err for the client without revealing internals.
func (r *EventRouter) errorFrame(c *ws.Conn, event string, err error) ws.ErrorFrame {
	var he *handlerError
	if !errors.As(err, &he) {
		return ws.NewErrorFrame(err) // decoding or validation of the data
	}
	var ue *UserError
	if errors.As(he.err, &ue) {
		return ws.ErrorFrame{Type: "error", Error: "handler", Message: ue.Message, Fields: ue.Fields}
	}
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Error("channels: event handler error", "conn", c.ID(), "event", event, "err", he.err)
	return ws.ErrorFrame{Type: "error", Error: "handler", Message: "internal error"}
}

// handlerError marks an error returned by an event handler, as opposed to
// one met decoding its data.
type handlerError struct{ err error }

// Error returns the handler's error message.
func (e *handlerError) Error() string { return e.err.Error() }

// Unwrap returns the handler's error.
func (e *handlerError) Unwrap() error { return e.err }

// UserError is an error an event handler returns to tell the client why
// its request failed: its Message (and Fields) are sent in the error frame
// {"type":"error","error":"handler","message":...}. Any other handler error
// is reported to the client only as "internal error". Wrapped UserErrors
// are found with errors.As.
type UserError struct {
	Message string
	// Fields optionally names input fields and what is wrong with each.
	Fields map[string]string
}

// Error implements error.
func (e *UserError) Error() string { return e.Message }

// withRef sets the frame's ref when there is one.
func withRef(f ws.ErrorFrame, ref json.RawMessage) ws.ErrorFrame {
	if ref != nil {
		f.Ref = ref
	}
	return f
}

// answer sends an error frame; it returns an error only when the
// connection has ended.
func answer(c *ws.Conn, f ws.ErrorFrame) error { return sent(c.SendJSON(f)) }

// sent filters a send error: only the end of the connection stops a
// dispatch loop (a message refused by a full queue under
// ws.SlowConsumerDrop does not).
func sent(err error) error {
	if errors.Is(err, ws.ErrClosed) {
		return err
	}
	return nil
}

// truncate shortens s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
