package channels

import (
	"encoding/binary"
	"errors"
	"sync"

	"github.com/nexogo/nexo/ws"
)

// Message is one published message. Its frame type survives every broker:
// bytes travel as a binary frame, strings as text, anything else as JSON
// text.
//
// A Message is immutable once published and safe for concurrent use; the
// frame sent to local subscribers is built once per instance (Prepared).
type Message struct {
	Topic string
	Type  ws.MessageType
	Data  []byte
	// Exclude names a connection that must not receive the message (the
	// sender, with ExcludeSender).
	Exclude string
	// To, when set, names the only connection that receives it.
	To string

	once sync.Once
	pm   *ws.PreparedMessage
}

// NewMessage encodes v as Send does: []byte as binary, string as text,
// anything else as JSON.
func NewMessage(topic string, v any) (*Message, error) {
	pm, err := ws.Prepare(v)
	if err != nil {
		return nil, err
	}
	m := &Message{Topic: topic, Type: pm.Type(), Data: pm.Data(), pm: pm}
	m.once.Do(func() {})
	return m, nil
}

// Prepared returns the message framed once for all local subscribers.
func (m *Message) Prepared() *ws.PreparedMessage {
	m.once.Do(func() { m.pm = ws.NewPreparedMessage(m.Type, m.Data) })
	return m.pm
}

// for reports whether the connection id should receive m.
func (m *Message) forConn(id string) bool {
	return m.Exclude != id && (m.To == "" || m.To == id)
}

// wireVersion prefixes every encoded message.
const wireVersion = 1

// ErrBadMessage is returned by DecodeMessage for bytes that are not an
// encoded Message.
var ErrBadMessage = errors.New("channels: malformed message")

// EncodeMessage returns the wire form of m used by brokers that carry
// bytes: a version, the frame type, Exclude and To, then the payload.
func EncodeMessage(m *Message) []byte {
	b := make([]byte, 0, 2+2*binary.MaxVarintLen32+len(m.Exclude)+len(m.To)+len(m.Data))
	b = append(b, wireVersion, byte(m.Type))
	b = binary.AppendUvarint(b, uint64(len(m.Exclude)))
	b = append(b, m.Exclude...)
	b = binary.AppendUvarint(b, uint64(len(m.To)))
	b = append(b, m.To...)
	return append(b, m.Data...)
}

// DecodeMessage parses the wire form made by EncodeMessage. The returned
// Message shares b's memory.
func DecodeMessage(topic string, b []byte) (*Message, error) {
	if len(b) < 2 || b[0] != wireVersion {
		return nil, ErrBadMessage
	}
	typ := ws.MessageType(b[1])
	if typ != ws.TextMessage && typ != ws.BinaryMessage {
		return nil, ErrBadMessage
	}
	b = b[2:]
	var fields [2]string
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, ErrBadMessage
		}
		fields[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	return &Message{Topic: topic, Type: typ, Data: b, Exclude: fields[0], To: fields[1]}, nil
}
