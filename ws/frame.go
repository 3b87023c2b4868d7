package ws

import (
	"encoding/binary"
	"unicode/utf8"
)

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opText   byte = 1
	opBinary byte = 2
	opClose  byte = 8
	opPing   byte = 9
	opPong   byte = 10
)

const maxHeaderLen = 10 // a server frame has no mask

// appendHeader appends the header of a final, unmasked server frame.
func appendHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// closePayload builds the body of a close frame. Code 1005 (no status) is
// never sent on the wire: it becomes an empty body. The reason is cut to
// fit a control frame without splitting a UTF-8 sequence.
func closePayload(code int, reason string) []byte {
	if code == CloseNoStatus || code <= 0 {
		return nil
	}
	if len(reason) > 123 {
		reason = reason[:123]
		for len(reason) > 0 && !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	b := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(b, uint16(code))
	return append(b, reason...)
}

// frame is one message waiting in a send queue.
type frame struct {
	op      byte
	payload []byte
	pm      *PreparedMessage // set for fan-out messages framed once
	raw     []byte           // bytes already framed (a partly written frame)
}

func (f *frame) size() int {
	if f.raw != nil {
		return len(f.raw)
	}
	if f.pm != nil {
		return len(f.pm.framed)
	}
	return maxHeaderLen + len(f.payload)
}

func isControl(op byte) bool { return op >= opClose }
