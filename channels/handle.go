package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nexogo/nexo/contract"
	"github.com/nexogo/nexo/ws"
)

// Handle registers h for event with a typed reply: the frame's data is
// decoded into a T and validated as On does, h runs with a context that is
// cancelled when the connection ends (c.Context()), and its R result is
// the data of the reply {"type":"reply","ref":ref,"data":result} when the
// frame carried a ref. Errors are answered exactly as On answers them.
//
// Unlike On, the router knows the reply's type: its description (Describe)
// and so the AsyncAPI document and the TypeScript types say what the client
// gets back.
//
//	channels.Handle(r, "sum", func(ctx context.Context, c *ws.Conn, in Sum) (Total, error) {
//		return Total{N: in.A + in.B}, nil
//	})
//
// Handle panics when event is empty or already registered.
func Handle[T, R any](r *EventRouter, event string, h func(ctx context.Context, c *ws.Conn, data T) (R, error)) {
	if h == nil {
		panic("channels: Handle " + event + " with a nil handler")
	}
	register(r, contract.EventOf[T, R](event), func(c *ws.Conn, data json.RawMessage) (any, error) {
		v, err := decodeData[T](c, data)
		if err != nil {
			return nil, err
		}
		ctx := c.Context()
		res, err := h(ctx, c, v)
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// The connection ended under the handler: nobody to answer.
			return nil, fmt.Errorf("%w: %w", ws.ErrClosed, err)
		}
		if err != nil {
			return nil, &handlerError{err: err}
		}
		return res, nil
	})
}

// Pusher sends one declared server push, {"event":name,"data":T}, with its
// data typed. DeclarePush returns it; a Pusher is a plain value, safe for
// concurrent use.
type Pusher[T any] struct{ event string }

// DeclarePush declares that the router's connections receive the push
// event with data of type T, and returns its typed sender. The declaration
// goes into the router's description (Describe), read by the AsyncAPI and
// TypeScript generators. It panics when event is empty or already
// declared.
func DeclarePush[T any](r *EventRouter, event string) Pusher[T] {
	if event == "" {
		panic("channels: DeclarePush with an empty event name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.pushes[event]; dup {
		panic("channels: push " + event + " declared twice")
	}
	if r.pushes == nil {
		r.pushes = make(map[string]contract.Push)
	}
	r.pushes[event] = contract.PushOf[T](event)
	return Pusher[T]{event: event}
}

// Event returns the push's event name.
func (p Pusher[T]) Event() string { return p.event }

// Emit pushes {"event":name,"data":data} to c.
func (p Pusher[T]) Emit(c *ws.Conn, data T) error { return Emit(c, p.event, data) }

// EmitGroup pushes {"event":name,"data":data} to every JSON member of g,
// encoded once, and returns how many members it reached (Group.Emit).
func (p Pusher[T]) EmitGroup(g *Group, data T) (int, error) { return g.Emit(p.event, data) }

// Describe returns the router's contract: every event with the Go types of
// its data and reply (On's reply is any), and every declared push, sorted
// by name.
func (r *EventRouter) Describe() contract.Description {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var d contract.Description
	for _, e := range r.specs {
		d.Events = append(d.Events, e)
	}
	for _, p := range r.pushes {
		d.Pushes = append(d.Pushes, p)
	}
	return d.Sorted()
}

// ServeWS serves one connection with the router: r is a ws.Handler, and
// one that describes itself, for nexo's Router.WebSocketHandler.
func (r *EventRouter) ServeWS(c *ws.Conn) error { return r.Handler()(c) }

// Compile-time checks.
var (
	_ ws.Handler         = (*EventRouter)(nil)
	_ contract.Describer = (*EventRouter)(nil)
)
