package ws

import (
	"errors"
	"fmt"
)

// Endpoint is a class-style handler, like Nexios's WebSocketEndpoint: a type
// whose methods handle the connection's life. Besides these two methods it
// has a message method, OnMessage, which Serve and ServeTyped find:
//
//	OnMessage(c *ws.Conn, m ws.Message) error // Serve: every data message as it came
//	OnMessage(c *ws.Conn, msg T) error        // ServeTyped[T]: decoded by T (see TypedEndpoint)
//
// An Endpoint may also implement EndpointOptions (handshake options) and
// EndpointErrors (OnError, as in Events).
//
// The methods of one connection are called from one goroutine, in order;
// an Endpoint value shared by many connections must be safe for concurrent
// use.
type Endpoint interface {
	// OnConnect runs after the handshake; an error closes with 1011.
	OnConnect(c *Conn) error
	// OnDisconnect runs once the connection has ended, with the error that
	// ended it (a *CloseError when the peer closed).
	OnDisconnect(c *Conn, err error)
}

// TypedEndpoint is an Endpoint whose messages arrive decoded as T: the type
// argument declares the endpoint's encoding once (Nexios's consumer
// `encoding`), and ServeTyped decodes every message before OnMessage runs.
//
//	T                 encoding  frames accepted
//	string            text      text; a binary frame closes with 1003
//	[]byte            bytes     binary; a text frame closes with 1003
//	ws.Message        none      both, as they came (what Serve does)
//	any other type    json      both, decoded with encoding/json and
//	                            validated (`validate:` tags, Conn.Validate)
//
// A message that is not valid JSON for T, or fails validation, is answered
// with an error frame (ErrorFrame: "invalid_json", "validation") and the
// connection stays open; with EndpointErrors, OnError then sees the
// *DecodeError or *ValidationError. A frame of the wrong kind is closed
// with 1003 (unsupported data), as Conn.Texts does.
type TypedEndpoint[T any] interface {
	Endpoint
	// OnMessage runs for every data message, decoded; an error closes
	// with 1011 unless OnError (EndpointErrors) keeps the connection.
	OnMessage(c *Conn, msg T) error
}

// EndpointOptions is implemented by an Endpoint that needs handshake
// options (subprotocols, compression, limits).
type EndpointOptions interface {
	Options() []Option
}

// EndpointErrors is implemented by an Endpoint that handles errors, as
// Events.OnError does: it sees the errors of OnMessage (and, under
// ServeTyped, messages that could not be decoded); returning nil keeps the
// connection open, returning an error closes it.
type EndpointErrors interface {
	OnError(c *Conn, err error) error
}

// receiver is the message method of Endpoints written before OnMessage.
type receiver interface {
	OnReceive(c *Conn, m Message) error
}

// Serve returns the HandlerFunc for an Endpoint whose message method is
// OnMessage(c *Conn, m Message) error. The method's earlier name,
// OnReceive, is still accepted, but deprecated: when e has both, OnMessage
// is called. Serve panics when e has neither; for an OnMessage of another
// message type, use ServeTyped.
func Serve(e Endpoint) HandlerFunc {
	switch m := e.(type) {
	case TypedEndpoint[Message]:
		return serveEndpoint(e, m.OnMessage)
	case receiver:
		return serveEndpoint(e, m.OnReceive)
	}
	panic(fmt.Sprintf("ws: Serve(%T): no method OnMessage(*ws.Conn, ws.Message) error (for another message type, use ws.ServeTyped)", e))
}

// ServeTyped returns the HandlerFunc for an endpoint whose messages are
// decoded as T; see TypedEndpoint for the encodings.
//
//	app.WebSocketRoute("/chat", ws.ServeTyped[ChatMsg](&Chat{}))
func ServeTyped[T any](e TypedEndpoint[T]) HandlerFunc {
	_, onError := e.(EndpointErrors)
	return serveEndpoint(e, func(c *Conn, m Message) error {
		v, err := decodeAs[T](c, m)
		switch {
		case errors.Is(err, ErrMessageType):
			// The next receive returns the close; OnError is not called.
			c.Close(CloseUnsupportedData, m.Type.String()+" messages are not accepted")
			return nil
		case err != nil:
			if serr := c.SendError(err); serr != nil {
				return serr
			}
			if onError {
				return err
			}
			return nil
		}
		return e.OnMessage(c, v)
	})
}

// serveEndpoint is the Events handler of e with onMessage.
func serveEndpoint(e Endpoint, onMessage func(*Conn, Message) error) HandlerFunc {
	ev := Events{
		OnConnect:    e.OnConnect,
		OnMessage:    onMessage,
		OnDisconnect: e.OnDisconnect,
	}
	if o, ok := e.(EndpointOptions); ok {
		ev.Options = o.Options()
	}
	if h, ok := e.(EndpointErrors); ok {
		ev.OnError = h.OnError
	}
	return ev.Handler()
}

// decodeAs decodes m as a T by TypedEndpoint's table. A frame of the wrong
// kind is ErrMessageType.
func decodeAs[T any](c *Conn, m Message) (T, error) {
	var v T
	switch p := any(&v).(type) {
	case *Message:
		*p = m
		return v, nil
	case *string:
		if m.Type != TextMessage {
			return v, ErrMessageType
		}
		*p = string(m.Data)
		return v, nil
	case *[]byte:
		if m.Type != BinaryMessage {
			return v, ErrMessageType
		}
		*p = m.Data
		return v, nil
	}
	if err := m.JSON(&v); err != nil {
		return v, err
	}
	return v, c.Validate(&v)
}
