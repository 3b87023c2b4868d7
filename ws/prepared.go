package ws

import (
	"encoding/json"
	"sync"

	"github.com/gorilla/websocket"
)

// PreparedMessage is a message encoded and framed once, to be sent to many
// connections with SendPrepared. Building one costs one frame header and,
// for compressed connections, one compression on first use.
//
// A PreparedMessage is immutable and safe for concurrent use.
type PreparedMessage struct {
	typ    MessageType
	data   []byte
	framed []byte // header + payload, uncompressed server frame
	// compress asks for compression where permessage-deflate was
	// negotiated, whatever the connection's default (compress.go).
	compress bool

	once sync.Once
	gpm  *websocket.PreparedMessage
	gerr error
}

// NewPreparedMessage frames data once. The PreparedMessage keeps data; the
// caller must not change it afterwards.
func NewPreparedMessage(typ MessageType, data []byte) *PreparedMessage {
	b := make([]byte, 0, maxHeaderLen+len(data))
	b = appendHeader(b, byte(typ), len(data))
	b = append(b, data...)
	return &PreparedMessage{typ: typ, data: b[len(b)-len(data):], framed: b}
}

// Prepare encodes v the way Send does (a []byte as binary, a string as text,
// anything else as JSON) and frames it once.
func Prepare(v any) (*PreparedMessage, error) {
	switch x := v.(type) {
	case []byte:
		return NewPreparedMessage(BinaryMessage, x), nil
	case string:
		return NewPreparedMessage(TextMessage, []byte(x)), nil
	case *PreparedMessage:
		return x, nil
	case Message:
		return NewPreparedMessage(x.Type, x.Data), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &EncodeError{Err: err}
	}
	return NewPreparedMessage(TextMessage, b), nil
}

// Type returns the message type.
func (pm *PreparedMessage) Type() MessageType { return pm.typ }

// Data returns the payload. It must not be modified.
func (pm *PreparedMessage) Data() []byte { return pm.data }

// gorilla returns the gorilla form, used on compressed connections.
func (pm *PreparedMessage) gorilla() (*websocket.PreparedMessage, error) {
	pm.once.Do(func() { pm.gpm, pm.gerr = websocket.NewPreparedMessage(int(pm.typ), pm.data) })
	return pm.gpm, pm.gerr
}
