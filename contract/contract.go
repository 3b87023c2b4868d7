package contract

import (
	"reflect"
	"slices"
	"strings"

	"github.com/nexogo/nexo/ws"
)

// Event is an event a client sends: the Go type its data is decoded into
// and validated as (its `validate:` tags), and the Go type of the data of
// the reply sent when the frame carried a ref. A nil Data means the event
// takes no data; a nil Reply means its reply carries no data (null). An
// interface type (any) means any JSON value.
type Event struct {
	Name  string
	Data  reflect.Type
	Reply reflect.Type
}

// Push is an event the server pushes, {"event":Name,"data":...}, with the
// Go type of its data.
type Push struct {
	Name string
	Data reflect.Type
}

// Description is the contract of one WebSocket route: the events it
// accepts and the events it pushes, each sorted by name.
type Description struct {
	Events []Event
	Pushes []Push
}

// Describer is implemented by a WebSocket handler that knows its contract,
// such as *channels.EventRouter. nexo's Router.WebSocketHandler records it
// for the route, and App.Routes lists it.
type Describer interface {
	Describe() Description
}

// EventOf returns the Event name whose data is a T and whose reply data is
// an R.
func EventOf[T, R any](name string) Event {
	return Event{Name: name, Data: reflect.TypeFor[T](), Reply: reflect.TypeFor[R]()}
}

// PushOf returns the Push name whose data is a T.
func PushOf[T any](name string) Push {
	return Push{Name: name, Data: reflect.TypeFor[T]()}
}

// Sorted returns d with its events and pushes sorted by name, in new
// slices.
func (d Description) Sorted() Description {
	out := Description{Events: slices.Clone(d.Events), Pushes: slices.Clone(d.Pushes)}
	slices.SortFunc(out.Events, func(a, b Event) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(out.Pushes, func(a, b Push) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Describe returns h as a ws.Handler that also describes itself with d:
// the way a hand-written handler, which reads its frames itself, declares
// the contract it implements.
//
//	app.WebSocketHandler("/chat/{room}", contract.Describe(serve, contract.Description{
//		Events: []contract.Event{contract.EventOf[Message, Sent]("message")},
//		Pushes: []contract.Push{contract.PushOf[ChatMessage]("message")},
//	}))
func Describe(h ws.HandlerFunc, d Description) ws.Handler {
	return described{h: h, d: d.Sorted()}
}

// described is a handler with its contract.
type described struct {
	h ws.HandlerFunc
	d Description
}

// ServeWS calls the handler.
func (d described) ServeWS(c *ws.Conn) error { return d.h(c) }

// Describe returns the contract.
func (d described) Describe() Description { return d.d.Sorted() }
