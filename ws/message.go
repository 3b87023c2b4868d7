package ws

import "encoding/json"

// MessageType is the kind of a WebSocket data message.
type MessageType int

// The data message types. Their values are the RFC 6455 opcodes.
const (
	TextMessage   MessageType = 1
	BinaryMessage MessageType = 2
)

// String returns "text" or "binary".
func (t MessageType) String() string {
	switch t {
	case TextMessage:
		return "text"
	case BinaryMessage:
		return "binary"
	}
	return "unknown"
}

// Message is one data message received from the peer. Data is owned by the
// receiver of the Message.
type Message struct {
	Type MessageType
	Data []byte
}

// Text returns the payload as a string.
func (m Message) Text() string { return string(m.Data) }

// IsText reports whether the message arrived as a text frame.
func (m Message) IsText() bool { return m.Type == TextMessage }

// IsBinary reports whether the message arrived as a binary frame.
func (m Message) IsBinary() bool { return m.Type == BinaryMessage }

// JSON unmarshals the payload into v; a malformed payload is a
// *DecodeError. It does not validate: Conn.ReceiveJSON and Decode do.
func (m Message) JSON(v any) error {
	if err := json.Unmarshal(m.Data, v); err != nil {
		return &DecodeError{Err: withJSONPath(err, v)}
	}
	return nil
}
