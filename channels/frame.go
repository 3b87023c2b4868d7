package channels

import (
	"encoding/json"
	"errors"

	"github.com/nexogo/nexo/ws"
)

// EventFrame is a frame sent by a client to an EventRouter:
//
//	{"event":"chat.send","data":{"text":"hi"},"ref":7}
//
// Data and Ref are kept raw: Data is decoded by the event's handler, and
// Ref (any JSON value, usually a number) is echoed in the reply. An
// EventFrame is a plain value.
type EventFrame struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data,omitempty"`
	Ref   json.RawMessage `json:"ref,omitempty"`
}

// ErrNoEvent is returned by ParseEventFrame for a JSON object without an
// "event" name.
var ErrNoEvent = errors.New(`channels: frame has no "event"`)

// ParseEventFrame decodes an event frame. Anything but a JSON object is a
// *ws.DecodeError; an object without an event name is ErrNoEvent, with
// the frame's ref still set so that the error can be answered. A null data
// or ref is returned as absent (nil).
func ParseEventFrame(b []byte) (EventFrame, error) {
	var f EventFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return EventFrame{}, &ws.DecodeError{Err: err}
	}
	if isNull(f.Data) {
		f.Data = nil
	}
	if isNull(f.Ref) {
		f.Ref = nil
	}
	if f.Event == "" {
		return f, ErrNoEvent
	}
	return f, nil
}

// Push is a frame the server pushes to a client, the form Emit sends:
//
//	{"event":"chat.message","data":{"from":"ada","text":"hi"}}
//
// Send a Push to a Group to emit to every member with one encoding:
// g.SendJSON(channels.Push{Event: "chat.message", Data: m}). A Push is a
// plain value.
type Push struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// Emit pushes the event frame {"event":event,"data":data} to c.
func Emit(c *ws.Conn, event string, data any) error {
	return c.SendJSON(Push{Event: event, Data: data})
}

// Emit pushes the event frame {"event":event,"data":data} to every JSON
// member of g, encoded once (see SendJSON).
func (g *Group) Emit(event string, data any) (int, error) {
	return g.SendJSON(Push{Event: event, Data: data})
}

// reply is the answer to an event frame that carried a ref:
//
//	{"type":"reply","ref":7,"data":{...}}
type reply struct {
	Type string          `json:"type"`
	Ref  json.RawMessage `json:"ref"`
	Data any             `json:"data"`
}
