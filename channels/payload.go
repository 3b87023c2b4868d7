package channels

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nexogo/nexo/ws"
)

// PayloadType is the kind of payload a Channel carries: JSON, Text or
// Bytes. It decides how Send encodes a value and which frames Receive
// accepts. The zero PayloadType is not a valid type; NewChannel panics on
// it.
type PayloadType int

// The payload types of a Channel.
const (
	// JSON payloads are any value, marshalled with encoding/json and sent
	// as text frames. Received frames, text or binary, must hold valid
	// JSON.
	JSON PayloadType = iota + 1
	// Text payloads are strings, sent and received as text frames.
	Text
	// Bytes payloads are byte slices, sent and received as binary frames.
	Bytes
)

// String returns "json", "text" or "bytes".
func (t PayloadType) String() string {
	switch t {
	case JSON:
		return "json"
	case Text:
		return "text"
	case Bytes:
		return "bytes"
	}
	return fmt.Sprintf("PayloadType(%d)", int(t))
}

func (t PayloadType) valid() bool { return t >= JSON && t <= Bytes }

// ErrPayloadType is returned when a payload does not fit a channel's
// payload type: a non-string sent on a Text channel, a binary frame
// received on one, SendBytes on a JSON channel. Errors for frames of the
// wrong kind also match ws.ErrMessageType, so c.SendError answers them
// with "message_type".
var ErrPayloadType = errors.New("channels: payload does not fit the channel's payload type")

// payloadError describes a value of the wrong Go type for t.
func payloadError(t PayloadType, v any) error {
	return fmt.Errorf("%w: %T on a %s channel", ErrPayloadType, v, t)
}

// frameError describes a received frame of the wrong kind for t.
func frameError(t PayloadType, got ws.MessageType) error {
	return fmt.Errorf("%w: %w: %s frame on a %s channel", ErrPayloadType, ws.ErrMessageType, got, t)
}

// encode returns v's payload for a channel of type t, checking that it fits.
func encode(t PayloadType, v any) (ws.MessageType, []byte, error) {
	switch t {
	case JSON:
		b, err := json.Marshal(v)
		if err != nil {
			return 0, nil, &ws.EncodeError{Err: err}
		}
		return ws.TextMessage, b, nil
	case Text:
		s, ok := v.(string)
		if !ok {
			return 0, nil, payloadError(t, v)
		}
		return ws.TextMessage, []byte(s), nil
	case Bytes:
		b, ok := v.([]byte)
		if !ok {
			return 0, nil, payloadError(t, v)
		}
		return ws.BinaryMessage, b, nil
	}
	return 0, nil, payloadError(t, v)
}

// check reports whether the received message m fits a channel of type t.
func check(t PayloadType, m ws.Message) error {
	switch t {
	case Text:
		if m.Type != ws.TextMessage {
			return frameError(t, m.Type)
		}
	case Bytes:
		if m.Type != ws.BinaryMessage {
			return frameError(t, m.Type)
		}
	case JSON:
		if !json.Valid(m.Data) {
			// Unmarshal again for a precise message (offset, token).
			var v any
			err := json.Unmarshal(m.Data, &v)
			if err == nil {
				err = errors.New("invalid JSON")
			}
			return &ws.DecodeError{Err: err}
		}
	}
	return nil
}
