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
	// JSON reports that Data holds a JSON value (a payload that was neither
	// a string nor bytes). A recovering subscription sends it as is.
	JSON bool
	// Pos is the message's place in the topic's history, set by a
	// HistoryBroker when it publishes on a topic with history; zero
	// otherwise.
	Pos Position
	// Compress asks for the message to be compressed for the subscribers
	// whose connection negotiated permessage-deflate (the Compress publish
	// option); it is compressed once per instance, not once per
	// subscriber. It travels with the message through every broker.
	Compress bool

	once sync.Once
	pm   *ws.PreparedMessage

	pubOnce sync.Once
	pub     *ws.PreparedMessage
}

// isJSON reports whether NewMessage encodes v as JSON.
func isJSON(v any) bool {
	switch v.(type) {
	case string, []byte, *ws.PreparedMessage:
		return false
	}
	return true
}

// NewMessage encodes v as Send does: []byte as binary, string as text,
// anything else as JSON.
func NewMessage(topic string, v any) (*Message, error) {
	pm, err := ws.Prepare(v)
	if err != nil {
		return nil, err
	}
	return &Message{Topic: topic, Type: pm.Type(), Data: pm.Data(), JSON: isJSON(v), pm: pm}, nil
}

// Prepared returns the message framed once for all local subscribers
// (NewMessage has framed it already), asking for compression when
// Compress is set.
func (m *Message) Prepared() *ws.PreparedMessage {
	m.once.Do(func() {
		switch {
		case m.pm == nil:
			m.pm = prepare(m.Type, m.Data, m.Compress)
		case m.Compress:
			m.pm, _ = ws.PrepareCompressed(m.pm) // a copy sharing the bytes: no error
		}
	})
	return m.pm
}

// for reports whether the connection id should receive m.
func (m *Message) forConn(id string) bool {
	return m.Exclude != id && (m.To == "" || m.To == id)
}

// Wire versions: 1 carries no position and no JSON flag (a text payload
// decodes as a string); 2 adds a flags byte and, when flagged, a position.
const (
	wireVersion1 = 1
	wireVersion  = 2
)

// Flags of wire version 2.
const (
	flagJSON = 1 << iota
	flagPos
	flagCompress // decoders that predate it ignore it
)

// ErrBadMessage is returned by DecodeMessage for bytes that are not an
// encoded Message.
var ErrBadMessage = errors.New("channels: malformed message")

// EncodeMessage returns the wire form of m used by brokers that carry
// bytes: a version, the frame type, flags, Exclude and To, the position
// when m has one, then the payload.
func EncodeMessage(m *Message) []byte {
	n := 3 + 4*binary.MaxVarintLen64 + len(m.Exclude) + len(m.To) + len(m.Pos.Epoch) + len(m.Data)
	b := make([]byte, 0, n)
	var flags byte
	if m.JSON {
		flags |= flagJSON
	}
	if m.Pos.Epoch != "" {
		flags |= flagPos
	}
	if m.Compress {
		flags |= flagCompress
	}
	b = append(b, wireVersion, byte(m.Type), flags)
	b = appendString(b, m.Exclude)
	b = appendString(b, m.To)
	if flags&flagPos != 0 {
		b = appendString(b, m.Pos.Epoch)
		b = binary.AppendUvarint(b, m.Pos.Offset)
	}
	return append(b, m.Data...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// DecodeMessage parses the wire form made by EncodeMessage. The returned
// Message shares b's memory.
func DecodeMessage(topic string, b []byte) (*Message, error) {
	if len(b) < 2 || (b[0] != wireVersion && b[0] != wireVersion1) {
		return nil, ErrBadMessage
	}
	version, typ := b[0], ws.MessageType(b[1])
	if typ != ws.TextMessage && typ != ws.BinaryMessage {
		return nil, ErrBadMessage
	}
	b = b[2:]
	var flags byte
	if version == wireVersion {
		if len(b) < 1 {
			return nil, ErrBadMessage
		}
		flags, b = b[0], b[1:]
	}
	m := &Message{Topic: topic, Type: typ, JSON: flags&flagJSON != 0, Compress: flags&flagCompress != 0}
	var ok bool
	if m.Exclude, b, ok = readString(b); !ok {
		return nil, ErrBadMessage
	}
	if m.To, b, ok = readString(b); !ok {
		return nil, ErrBadMessage
	}
	if flags&flagPos != 0 {
		if m.Pos.Epoch, b, ok = readString(b); !ok || m.Pos.Epoch == "" {
			return nil, ErrBadMessage
		}
		off, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, ErrBadMessage
		}
		m.Pos.Offset, b = off, b[k:]
	}
	m.Data = b
	return m, nil
}

// readString reads a length-prefixed string.
func readString(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}
