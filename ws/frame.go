package ws

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
	"unsafe"
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
// never sent on the wire: it becomes an empty body; any other code a close
// frame may not carry becomes 1011 (Close refuses them, this is the last
// guard). The reason's invalid UTF-8 is replaced, and it is cut to fit a
// control frame without splitting a UTF-8 sequence.
func closePayload(code int, reason string) []byte {
	if code == CloseNoStatus || code <= 0 {
		return nil
	}
	if !ValidCloseCode(code) {
		code = CloseInternalError
	}
	reason = strings.ToValidUTF8(reason, "\uFFFD")
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

// frame is one message waiting in a send queue: a payload to frame, a
// PreparedMessage framed once for many connections, or raw bytes already
// framed (the unwritten rest of a batch). It is 24 bytes, a third of a
// cache line: a fan-out appends one to thousands of queues per message,
// and the flusher reads and clears them on another core, so the lines a
// delivery costs grow with its size.
type frame struct {
	ptr  unsafe.Pointer // the payload's or raw bytes' first byte, or the *PreparedMessage
	n    int            // length of the payload or raw bytes
	op   byte
	kind frameKind
}

type frameKind byte

const (
	kindPayload frameKind = iota
	kindPrepared
	kindRaw
)

// payloadFrame is a frame of opcode op carrying p, framed when written.
func payloadFrame(op byte, p []byte) frame {
	return frame{ptr: unsafe.Pointer(unsafe.SliceData(p)), n: len(p), op: op}
}

// preparedFrame is a frame carrying pm.
func preparedFrame(pm *PreparedMessage) frame {
	return frame{ptr: unsafe.Pointer(pm), op: byte(pm.typ), kind: kindPrepared}
}

// rawFrame is a frame of bytes already framed; op is opClose when they end
// with the close frame.
func rawFrame(b []byte, op byte) frame {
	return frame{ptr: unsafe.Pointer(unsafe.SliceData(b)), n: len(b), op: op, kind: kindRaw}
}

// isRaw reports whether f holds bytes already framed.
func (f *frame) isRaw() bool { return f.kind == kindRaw }

// bytes returns the payload of a payload frame, or the bytes of a raw one.
func (f *frame) bytes() []byte {
	if f.ptr == nil {
		return nil
	}
	return unsafe.Slice((*byte)(f.ptr), f.n)
}

// prepared returns the PreparedMessage of a prepared frame, or nil.
func (f *frame) prepared() *PreparedMessage {
	if f.kind != kindPrepared {
		return nil
	}
	return (*PreparedMessage)(f.ptr)
}

func (f *frame) size() int {
	switch f.kind {
	case kindRaw:
		return f.n
	case kindPrepared:
		return len(f.prepared().framed)
	}
	return maxHeaderLen + f.n
}

func isControl(op byte) bool { return op >= opClose }
