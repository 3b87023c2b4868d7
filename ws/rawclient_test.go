package ws_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Frame bits and opcodes for the wire client (RFC 6455, section 5.2).
const (
	wFin  byte = 0x80
	wRsv1 byte = 0x40
	wRsv2 byte = 0x20
	wRsv3 byte = 0x10

	wCont  byte = 0x0
	wText  byte = 0x1
	wBin   byte = 0x2
	wClose byte = 0x8
	wPing  byte = 0x9
	wPong  byte = 0xa
)

// wireTimeout bounds every read and write of the wire client, so that a
// server that does not answer fails the test instead of hanging it.
const wireTimeout = 5 * time.Second

// wireConn is a WebSocket client written frame by frame over a plain TCP
// socket, so that tests can send what no client library would.
type wireConn struct {
	t        testing.TB
	nc       net.Conn
	br       *bufio.Reader
	deflate  bool   // permessage-deflate was negotiated
	extResp  string // the server's Sec-WebSocket-Extensions
	maskSeed byte
	// onFail, when set, is called with the message of a failed check
	// before the test fails (a known-limit case skips there instead).
	onFail func(msg string)
}

// fatalf fails the test, through onFail when it is set.
func (c *wireConn) fatalf(format string, args ...any) {
	c.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if c.onFail != nil {
		c.onFail(msg)
	}
	c.t.Fatal(msg)
}

// wireFrame is one frame as the server sent it.
type wireFrame struct {
	b0      byte // FIN|RSV|opcode
	masked  bool
	lenForm int // 7, 16 or 64: how the payload length was encoded
	payload []byte
}

func (f wireFrame) op() byte    { return f.b0 & 0x0f }
func (f wireFrame) final() bool { return f.b0&wFin != 0 }
func (f wireFrame) rsv() byte   { return f.b0 & (wRsv1 | wRsv2 | wRsv3) }
func (f wireFrame) String() string {
	return fmt.Sprintf("frame{b0=%#02x op=%d len=%d}", f.b0, f.op(), len(f.payload))
}

// dialWire opens a TCP connection to the test server at base (an http://
// URL) and performs the upgrade handshake on path by hand. extensions, when
// not empty, is offered as Sec-WebSocket-Extensions.
func dialWire(t testing.TB, base, path, extensions string) *wireConn {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	nc, err := net.DialTimeout("tcp", addr, wireTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return handshakeWire(t, nc, addr, path, extensions)
}

// handshakeWire performs the upgrade handshake on path over nc, a plain or
// TLS connection to addr.
func handshakeWire(t testing.TB, nc net.Conn, addr, path, extensions string) *wireConn {
	t.Helper()
	t.Cleanup(func() { nc.Close() })

	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", path, addr)
	fmt.Fprintf(&req, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key)
	if extensions != "" {
		fmt.Fprintf(&req, "Sec-WebSocket-Extensions: %s\r\n", extensions)
	}
	req.WriteString("\r\n")
	nc.SetDeadline(time.Now().Add(wireTimeout))
	if _, err := io.WriteString(nc, req.String()); err != nil {
		t.Fatalf("handshake write: %v", err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("handshake read: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: status %s", resp.Status)
	}
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), base64.StdEncoding.EncodeToString(h[:]); got != want {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	nc.SetDeadline(time.Time{})
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	return &wireConn{
		t: t, nc: nc, br: br,
		extResp:  ext,
		deflate:  strings.Contains(ext, "permessage-deflate"),
		maskSeed: k[0],
	}
}

// appendWireHeader appends a frame header: b0 is FIN|RSV|opcode, n the
// announced payload length, and key the masking key (nil: unmasked).
func appendWireHeader(b []byte, b0 byte, n uint64, key []byte) []byte {
	b = append(b, b0)
	m := byte(0)
	if key != nil {
		m = 0x80
	}
	switch {
	case n <= 125:
		b = append(b, m|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, m|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, m|127), n)
	}
	return append(b, key...)
}

// encodeFrame returns a whole client frame, masked unless unmasked is set.
func (c *wireConn) encodeFrame(b0 byte, payload []byte, unmasked bool) []byte {
	var key []byte
	if !unmasked {
		c.maskSeed++
		key = []byte{c.maskSeed, 0x5a, c.maskSeed ^ 0xa5, 0x3c}
	}
	b := appendWireHeader(nil, b0, uint64(len(payload)), key)
	start := len(b)
	b = append(b, payload...)
	if key != nil {
		for j := range payload {
			b[start+j] ^= key[j%4]
		}
	}
	return b
}

// send writes one masked frame.
func (c *wireConn) send(b0 byte, payload []byte) {
	c.t.Helper()
	c.writeRaw(c.encodeFrame(b0, payload, false))
}

// sendUnmasked writes one frame without a mask, which clients must not do.
func (c *wireConn) sendUnmasked(b0 byte, payload []byte) {
	c.t.Helper()
	c.writeRaw(c.encodeFrame(b0, payload, true))
}

// writeRaw writes bytes as they are. A write refused because the server
// has already closed is not an error: the test then checks what the server
// answered before closing.
func (c *wireConn) writeRaw(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(wireTimeout))
	if _, err := c.nc.Write(b); err != nil && !peerGone(err) {
		c.fatalf("write: %v", err)
	}
}

// sendCompressed sends data as one message compressed with
// permessage-deflate (no context takeover), split into frames of at most
// fragment compressed bytes (0: one frame). RSV1 is set on the first frame
// only, as RFC 7692 requires.
func (c *wireConn) sendCompressed(op byte, data []byte, fragment int) {
	c.t.Helper()
	p := deflateMessage(c.t, data)
	if fragment <= 0 || fragment >= len(p) {
		c.send(wFin|wRsv1|op, p)
		return
	}
	first := true
	for len(p) > 0 {
		n := min(fragment, len(p))
		b0 := wCont
		if first {
			b0 = wRsv1 | op
			first = false
		}
		if n == len(p) {
			b0 |= wFin
		}
		c.send(b0, p[:n])
		p = p[n:]
	}
}

// deflateMessage compresses data as one permessage-deflate message: a raw
// DEFLATE stream flushed on a byte boundary, without the trailing
// 0x00 0x00 0xff 0xff (RFC 7692, section 7.2.1).
func deflateMessage(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	fw.Flush()
	p := buf.Bytes()
	if !bytes.HasSuffix(p, []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("flate flush did not end with an empty stored block")
	}
	return p[:len(p)-4]
}

// inflateMessage undoes deflateMessage.
func inflateMessage(p []byte) ([]byte, error) {
	// The tail is the removed empty stored block, then a final empty one
	// so that the stream ends cleanly.
	tail := []byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}
	return io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader(tail))))
}

// readFrame reads the next server frame; it fails the test when none
// comes within wireTimeout. The error is the socket's (io.EOF when the
// server closed the connection, a timeout when it sent nothing).
func (c *wireConn) readFrame() (wireFrame, error) {
	c.nc.SetReadDeadline(time.Now().Add(wireTimeout))
	var f wireFrame
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return f, c.readErr(err)
	}
	f.b0 = h[0]
	f.masked = h[1]&0x80 != 0
	n := uint64(h[1] & 0x7f)
	f.lenForm = 7
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(c.br, l[:]); err != nil {
			return f, c.readErr(err)
		}
		n, f.lenForm = uint64(binary.BigEndian.Uint16(l[:])), 16
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(c.br, l[:]); err != nil {
			return f, c.readErr(err)
		}
		n, f.lenForm = binary.BigEndian.Uint64(l[:]), 64
	}
	if n > 16<<20 {
		c.fatalf("server frame announces %d bytes", n)
	}
	var key [4]byte
	if f.masked {
		if _, err := io.ReadFull(c.br, key[:]); err != nil {
			return f, c.readErr(err)
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, f.payload); err != nil {
		return f, c.readErr(err)
	}
	if f.masked {
		for i := range f.payload {
			f.payload[i] ^= key[i%4]
		}
	}
	return f, nil
}

func (c *wireConn) readErr(err error) error {
	if isTimeout(err) {
		return fmt.Errorf("no frame from the server within %v: %w", wireTimeout, err)
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkServerFrame fails the test when f is not a well-formed server
// frame: server frames are never masked, reserved bits are clear (RSV1 only
// on the first frame of a compressed message), control frames are final
// and at most 125 bytes, and the length uses the shortest encoding.
func (c *wireConn) checkServerFrame(f wireFrame, first bool) {
	c.t.Helper()
	if f.masked {
		c.fatalf("server sent a masked %v", f)
	}
	rsv := f.rsv()
	if c.deflate && first && f.op() != wCont && f.op() < wClose {
		rsv &^= wRsv1
	}
	if rsv != 0 {
		c.fatalf("server sent reserved bits %#02x in %v", rsv, f)
	}
	switch op := f.op(); {
	case op >= wClose:
		if op > wPong {
			c.fatalf("server sent reserved control opcode in %v", f)
		}
		if !f.final() || len(f.payload) > 125 {
			c.fatalf("server sent a bad control %v", f)
		}
	case op > wBin:
		c.fatalf("server sent reserved data opcode in %v", f)
	}
	want := 7
	switch n := len(f.payload); {
	case n > 0xffff:
		want = 64
	case n > 125:
		want = 16
	}
	if f.lenForm != want {
		c.fatalf("server encoded a %d-byte length in %d bits", len(f.payload), f.lenForm)
	}
}

// readMessage reads the next data message, answering nothing: control
// frames other than close are returned as they come (op is then the
// control opcode). A close frame fails the test.
func (c *wireConn) readMessage() (op byte, data []byte, frames int) {
	c.t.Helper()
	var compressed bool
	for {
		f, err := c.readFrame()
		if err != nil {
			c.fatalf("reading a message: %v", err)
		}
		c.checkServerFrame(f, frames == 0)
		if f.op() >= wClose {
			if f.op() == wClose {
				code, reason := parseClose(f.payload)
				c.fatalf("want a message, got close %d %q", code, reason)
			}
			if frames > 0 {
				c.fatalf("control frame inside a message: not expected from this server")
			}
			return f.op(), f.payload, 1
		}
		if frames == 0 {
			if f.op() == wCont {
				c.fatalf("server sent a continuation frame without a start")
			}
			op = f.op()
			compressed = f.b0&wRsv1 != 0
		} else if f.op() != wCont {
			c.fatalf("server started a new message inside a fragmented one")
		}
		frames++
		data = append(data, f.payload...)
		if f.final() {
			break
		}
	}
	if compressed {
		var err error
		if data, err = inflateMessage(data); err != nil {
			c.fatalf("inflating the server's message: %v", err)
		}
	}
	return op, data, frames
}

// expect reads the next message and checks its type and payload.
func (c *wireConn) expect(op byte, payload []byte) {
	c.t.Helper()
	gotOp, got, _ := c.readMessage()
	if gotOp != op || !bytes.Equal(got, payload) {
		c.fatalf("got op %d with %d bytes (%.40q), want op %d with %d bytes (%.40q)",
			gotOp, len(got), got, op, len(payload), payload)
	}
}

// parseClose returns the code and reason of a close payload; the code is
// 1005 when the payload is empty.
func parseClose(p []byte) (int, string) {
	if len(p) < 2 {
		return 1005, string(p)
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}

// closePayloadOf builds a close frame body.
func closePayloadOf(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// wireClose is what the client saw at the end of a connection.
type wireClose struct {
	code   int    // the server's close code; 1005 for an empty close; -1 when none came
	reason string // the server's close reason
	err    error  // the socket error when no close frame came
	extra  []wireFrame
}

// readClose reads frames until the server's close frame or the end of the
// connection. Data and control frames before the close are collected in
// extra: a test expects none there.
func (c *wireConn) readClose() wireClose {
	c.t.Helper()
	var w wireClose
	for {
		f, err := c.readFrame()
		if err != nil {
			w.code, w.err = -1, err
			return w
		}
		c.checkServerFrame(f, true)
		if f.op() == wClose {
			w.code, w.reason = parseClose(f.payload)
			return w
		}
		w.extra = append(w.extra, f)
	}
}

// expectEOF checks that the server closes the TCP connection once the
// closing handshake is over, and that it sends nothing more.
func (c *wireConn) expectEOF() {
	c.t.Helper()
	f, err := c.readFrame()
	if err == nil {
		c.fatalf("server sent %v after its close frame", f)
	}
	if !peerGone(err) {
		c.fatalf("want the server to close the connection after its close frame, got %v", err)
	}
}

// peerGone reports whether err says that the peer closed or reset the
// connection.
func peerGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
