package channels

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/nexogo/nexo/ws"
)

// Events declares a channel-based endpoint by its events (Nexios's channel
// events): Handler wraps each connection in a Channel, decodes every
// message by the payload type into a T and calls the callbacks. Unset
// callbacks are skipped.
//
//	app.WebSocketRoute("/chat", channels.Events[ChatMsg]{
//		Registry:  reg,
//		OnConnect: func(ch *channels.Channel) error { reg.Group("lobby").Add(ch); return nil },
//		OnMessage: func(ch *channels.Channel, m ChatMsg) error {
//			_, err := reg.Group("lobby").Send(m)
//			return err
//		},
//	}.Handler())
//
// T is string for Text, []byte for Bytes, and for JSON any type
// encoding/json can decode into, validated with c.Validate (its
// `validate:` tags); json.RawMessage takes the raw JSON.
//
// Invalid input (a frame of the wrong kind, invalid JSON, a failed
// validation) is answered with an error frame ({"type":"error",...}, see
// ws.ErrorFrame) and passed to OnError; the connection stays open. The
// callbacks of one connection run on its handler's goroutine, in order.
//
// The zero Events is a JSON endpoint that reads and discards messages. An
// Events value is read-only once Handler is called and may serve many
// connections concurrently; its callbacks must then be safe for
// concurrent use.
type Events[T any] struct {
	// PayloadType is the channel's payload type. Zero infers it from T:
	// Text for string, Bytes for []byte, JSON otherwise.
	PayloadType PayloadType
	// ChannelOptions configure each connection's Channel (WithTTL,
	// WithRateLimit, WithAuthRequired...).
	ChannelOptions []ChannelOption
	// Options are applied at the handshake.
	Options []ws.Option
	// Registry, when set, holds each channel from its handshake until its
	// connection ends.
	Registry *Registry

	// OnConnect runs after the handshake. An error closes the connection
	// with 1011.
	OnConnect func(ch *Channel) error
	// OnMessage runs for every valid message, one at a time, in order.
	OnMessage func(ch *Channel, msg T) error
	// OnError handles invalid input (after the error frame went out) and
	// errors from OnMessage. Returning nil keeps the connection open;
	// returning an error closes it. Without OnError, invalid input is
	// only answered and an OnMessage error closes the connection with
	// 1011.
	OnError func(ch *Channel, err error) error
	// OnDisconnect runs once the connection has ended, with the error that
	// ended it (a *ws.CloseError when the peer closed).
	OnDisconnect func(ch *Channel, err error)
}

// Handler returns the ws.HandlerFunc of the endpoint. It panics when
// PayloadType does not suit T (Text needs a string T, Bytes a []byte T).
func (e Events[T]) Handler() ws.HandlerFunc {
	t := payloadTypeFor[T](e.PayloadType)
	return func(c *ws.Conn) (err error) {
		// Handshake options are set before NewChannel, which accepts.
		if err := c.Configure(e.Options...); err != nil && !errors.Is(err, ws.ErrAlreadyAccepted) {
			return err
		}
		ch := NewChannel(c, t, e.ChannelOptions...)
		if ch.acceptErr != nil {
			return ch.acceptErr
		}
		if e.OnDisconnect != nil {
			defer func() { e.OnDisconnect(ch, disconnectErr(c, err)) }()
		}
		if err := ch.usable(); err != nil {
			return closeFor(ch, err)
		}
		if e.Registry != nil {
			e.Registry.Add(ch)
		}
		if e.OnConnect != nil {
			if err := e.OnConnect(ch); err != nil {
				return err
			}
		}
		for {
			msg, err := e.next(ch)
			switch {
			case err == nil && e.OnMessage != nil:
				err = e.OnMessage(ch, msg)
			case err == nil:
			case isInputError(c, err):
				c.SendError(err)
				if e.OnError == nil {
					err = nil
				}
			default:
				return closeFor(ch, err)
			}
			if err == nil {
				continue
			}
			if e.OnError == nil {
				return err
			}
			if err := e.OnError(ch, err); err != nil {
				return err
			}
		}
	}
}

// next receives and decodes the next message.
func (e Events[T]) next(ch *Channel) (T, error) {
	var v T
	m, err := ch.receive(false)
	if err != nil {
		return v, err
	}
	switch p := any(&v).(type) {
	case *string:
		if ch.typ == Text {
			*p = string(m.Data)
			return v, nil
		}
	case *[]byte:
		if ch.typ == Bytes {
			*p = m.Data
			return v, nil
		}
	}
	if err := m.JSON(&v); err != nil {
		return v, err
	}
	return v, ch.c.Validate(&v)
}

// payloadTypeFor checks t against T, inferring it when zero.
func payloadTypeFor[T any](t PayloadType) PayloadType {
	rt := reflect.TypeFor[T]()
	isString := rt == reflect.TypeFor[string]()
	isBytes := rt == reflect.TypeFor[[]byte]()
	switch {
	case t == 0 && isString:
		return Text
	case t == 0 && isBytes:
		return Bytes
	case t == 0:
		return JSON
	case t == Text && !isString, t == Bytes && !isBytes, !t.valid():
		panic(fmt.Sprintf("channels: Events[%v] with payload type %v", rt, t))
	}
	return t
}

// isInputError reports whether err is about one message, after which the
// connection stays usable.
func isInputError(c *ws.Conn, err error) bool {
	switch {
	case errors.Is(err, ws.ErrClosed), errors.Is(err, ws.ErrNotAccepted),
		errors.Is(err, ErrExpired), errors.Is(err, ErrUnauthenticated):
		return false
	}
	return c.Context().Err() == nil
}

// closeFor ends the connection for a channel error: 1001 for an expired
// channel, 4401 for a missing user. Other errors are returned as they are.
func closeFor(ch *Channel, err error) error {
	switch {
	case errors.Is(err, ErrExpired):
		ch.c.Close(ws.CloseGoingAway, ExpiredReason)
		return nil
	case errors.Is(err, ErrUnauthenticated):
		ch.c.Close(ws.CloseUnauthorized, "authentication required")
		return nil
	}
	return err
}

// disconnectErr is what OnDisconnect sees: the handler's error, or how the
// connection ended.
func disconnectErr(c *ws.Conn, err error) error {
	if err != nil {
		return err
	}
	if ce := c.CloseErr(); ce != nil {
		return ce
	}
	return nil
}
