package channels

import (
	"errors"
	"sync"
	"time"

	"github.com/nexogo/nexo/ws"
)

// Channel is a connection with a payload type, an identity and an optional
// time to live, the unit that Groups and Registries hold (Nexios's
// Channel). Its Send and Receive methods encode and check payloads by the
// channel's PayloadType.
//
// A Channel leaves every Group and Registry it is in as soon as its
// connection starts to close, when c.Context() ends (through
// ws.Conn.OnClosing: no goroutine per channel until then), without waiting
// for the closing handshake; at the latest when it is torn down. A channel
// made WithTTL expires on a timer of its own (no goroutine until it
// fires): see ErrExpired.
//
// The methods of a Channel are safe for concurrent use, except that the
// Receive methods, like those of ws.Conn, may be called by one goroutine at
// a time. The zero Channel is not usable; call NewChannel.
type Channel struct {
	// What a group send reads of each member comes first.
	c       *ws.Conn
	typ     PayloadType
	created time.Time // it expires cfg.ttl later, when cfg.ttl > 0
	cfg     channelConfig
	id      string
	bucket  *rateBucket // set when the rate limit could not be a filter

	mu       sync.Mutex
	groups   set[*Group]
	regs     set[*Registry]
	timer    *time.Timer // expires the channel; nil without a TTL
	detached bool        // left everything for good: the connection ended or the channel expired
	armed    bool        // the close hook of armLeave is set

	acceptErr error // the handshake NewChannel performed failed
}

// NewChannel wraps c in a Channel of payload type t and completes c's
// handshake unless the handler has, as Join does: the client is connected
// at once, even by a push endpoint that never sends or receives, and no
// send to the channel (its own, a Group's or a loop over a Registry, on
// whatever goroutine) ever performs a handshake. Options acting on every
// message, such as WithRateLimit, install a ws.MessageFilter before that
// handshake; on a connection the handler accepted first they fall back to
// checks inside Receive. To pass handshake options, set them with
// c.Configure before NewChannel, or call c.Accept with them first.
//
// When the handshake fails (the client went away, or its origin is
// refused), the channel is ended: it joins no Group or Registry, and its
// sends and receives return the handshake's error.
//
// NewChannel panics when t is not JSON, Text or Bytes.
func NewChannel(c *ws.Conn, t PayloadType, opts ...ChannelOption) *Channel {
	// Kept to two calls around the handshake: see newChannel.
	ch := newChannel(c, t, opts)
	ch.opened(c.Accept())
	return ch
}

// UUID returns the channel's unique identifier, a random UUID (not the
// connection's ID).
func (ch *Channel) UUID() string { return ch.id }

// Created returns when the channel was made.
func (ch *Channel) Created() time.Time { return ch.created }

// Expires returns when the channel expires; the zero time means never.
func (ch *Channel) Expires() time.Time {
	if ch.cfg.ttl <= 0 {
		return time.Time{}
	}
	return ch.created.Add(ch.cfg.ttl)
}

// PayloadType returns the channel's payload type.
func (ch *Channel) PayloadType() PayloadType { return ch.typ }

// Conn returns the channel's connection.
func (ch *Channel) Conn() *ws.Conn { return ch.c }

// Expired reports whether the channel's time to live has passed.
func (ch *Channel) Expired() bool {
	return ch.cfg.ttl > 0 && !time.Now().Before(ch.created.Add(ch.cfg.ttl))
}

// Closed reports whether the channel can no longer send or receive: its
// connection is closing or closed (ws.Conn.Closed), its handshake failed,
// or it has expired. It costs two atomic loads, and a clock read for a
// channel with a TTL.
func (ch *Channel) Closed() bool {
	return ch.acceptErr != nil || ch.c.Closed() || ch.Expired()
}

// ended reports whether the channel's connection has ended or is closing.
func (ch *Channel) ended() bool { return ch.c.Context().Err() != nil }

// usable returns the error that keeps the channel from sending or
// receiving, or nil.
func (ch *Channel) usable() error {
	if ch.acceptErr != nil {
		return ch.acceptErr
	}
	if ch.Expired() {
		ch.expire()
		return ErrExpired
	}
	return ch.authorised()
}

// authorised returns ErrUnauthenticated while an authenticated channel has
// no user.
func (ch *Channel) authorised() error {
	if ch.cfg.authRequired {
		if u, ok := ch.c.Get(UserKey); !ok || u == nil {
			return ErrUnauthenticated
		}
	}
	return nil
}

// Send encodes v by the channel's payload type and sends it: JSON marshals
// any value, Text takes a string, Bytes a []byte. A value of the wrong type
// is an error matching ErrPayloadType. Like ws.Conn's sends, Send never
// blocks on the network.
func (ch *Channel) Send(v any) error {
	if err := ch.usable(); err != nil {
		return err
	}
	switch ch.typ {
	case Text:
		s, ok := v.(string)
		if !ok {
			return payloadError(ch.typ, v)
		}
		return ch.c.SendText(s)
	case Bytes:
		b, ok := v.([]byte)
		if !ok {
			return payloadError(ch.typ, v)
		}
		return ch.c.SendBytes(b)
	}
	return ch.c.SendJSON(v)
}

// SendJSON sends v as JSON. It is an ErrPayloadType error unless the
// channel's payload type is JSON.
func (ch *Channel) SendJSON(v any) error {
	if ch.typ != JSON {
		return payloadError(ch.typ, v)
	}
	return ch.Send(v)
}

// SendText sends s as a text frame. It is an ErrPayloadType error unless
// the channel's payload type is Text.
func (ch *Channel) SendText(s string) error {
	if ch.typ != Text {
		return payloadError(ch.typ, s)
	}
	return ch.Send(s)
}

// SendBytes sends b as a binary frame. It is an ErrPayloadType error unless
// the channel's payload type is Bytes.
func (ch *Channel) SendBytes(b []byte) error {
	if ch.typ != Bytes {
		return payloadError(ch.typ, b)
	}
	return ch.Send(b)
}

// Receive returns the next message, checked against the payload type: a
// binary frame on a Text channel, a text frame on a Bytes channel, or
// invalid JSON on a JSON channel is an error (ErrPayloadType or a
// *ws.DecodeError) and the connection stays open, unless
// WithCloseOnMismatch is set, in which case a frame of the wrong kind
// closes it with 1003. Errors of the connection itself are returned as they
// are.
func (ch *Channel) Receive() (ws.Message, error) { return ch.receive(true) }

// receive is Receive; checkJSON false skips the JSON validity scan, for
// callers that decode the message anyway.
func (ch *Channel) receive(checkJSON bool) (ws.Message, error) {
	for {
		if err := ch.usable(); err != nil {
			return ws.Message{}, err
		}
		m, err := ch.c.Receive()
		if err != nil {
			return m, ch.expiredErr(err)
		}
		if ch.bucket != nil {
			if err := ch.cfg.rate.admit(ch.bucket, ch.c, m); err != nil {
				var ce *ws.CloseError
				if !errors.As(err, &ce) {
					continue // dropped
				}
				ch.c.Close(ce.Code, ce.Reason)
				return ws.Message{}, ch.endErr()
			}
		}
		if ch.typ == JSON && !checkJSON {
			return m, nil
		}
		if err := check(ch.typ, m); err != nil {
			if ch.cfg.closeOnMismatch && errors.Is(err, ws.ErrMessageType) {
				ch.c.Close(ws.CloseUnsupportedData, ch.typ.String()+" messages only")
			}
			return ws.Message{}, err
		}
		return m, nil
	}
}

// endErr is the error of the ended connection.
func (ch *Channel) endErr() error {
	if ce := ch.c.CloseErr(); ce != nil {
		return ce
	}
	return ws.ErrClosed
}

// ReceiveJSON receives the next message, decodes its JSON into v and
// validates v's `validate:` tags with c.Validate. A malformed message is a
// *ws.DecodeError and a failed validation a *ws.ValidationError; the
// connection stays open and ch.Conn().SendError answers both. On a channel
// that is not JSON it returns an ErrPayloadType error without receiving.
func (ch *Channel) ReceiveJSON(v any) error {
	if ch.typ != JSON {
		return payloadError(ch.typ, v)
	}
	m, err := ch.receive(false)
	if err != nil {
		return err
	}
	if err := m.JSON(v); err != nil {
		return err
	}
	return ch.c.Validate(v)
}

// ReceiveText receives the next message of a Text channel. On another
// channel it returns an ErrPayloadType error without receiving.
func (ch *Channel) ReceiveText() (string, error) {
	if ch.typ != Text {
		return "", payloadError(ch.typ, "")
	}
	m, err := ch.Receive()
	if err != nil {
		return "", err
	}
	return string(m.Data), nil
}

// ReceiveBytes receives the next message of a Bytes channel. On another
// channel it returns an ErrPayloadType error without receiving.
func (ch *Channel) ReceiveBytes() ([]byte, error) {
	if ch.typ != Bytes {
		return nil, payloadError(ch.typ, []byte(nil))
	}
	m, err := ch.Receive()
	if err != nil {
		return nil, err
	}
	return m.Data, nil
}

// Close closes the channel's connection with code and reason.
func (ch *Channel) Close(code int, reason string) error { return ch.c.Close(code, reason) }

// String returns the channel's UUID and payload type, for logs.
func (ch *Channel) String() string { return "channel " + ch.id + " (" + ch.typ.String() + ")" }
