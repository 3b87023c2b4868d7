package ws

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// gate sits between a plain socket and gorilla's reader. It hands gorilla
// the stream one frame at a time, never a byte past the end of the frame
// gorilla is reading, and it answers pings and notes pongs itself, so that
// gorilla holds nothing between messages. That lets a connection wait for
// its next message in wait, on a shallow stack and with no read buffer:
// the buffer comes from a pool when bytes arrive and goes back once they
// have been handed over. An idle connection is then one small goroutine
// stack and its structs, where gorilla alone keeps its buffer and blocks
// deep inside its frame reader (which keeps the stack at twice the size).
//
// Over TLS, where there is no raw socket to wait on, wait does nothing and
// Read waits in the TLS connection with a buffer: the frames gorilla sees,
// the pings answered and the checks made are the same as on a plain socket.
//
// Only the reading goroutine calls Read and wait. Writes pass through to
// the socket, except the close frames gorilla writes once the handshake is
// done (see Write); deadlines and Close pass through.
type gate struct {
	net.Conn
	raw  syscall.RawConn // nil over TLS
	pool *sync.Pool      // of *[]byte, each of the connection's ReadBuffer size
	c    *Conn           // control frames are answered through it

	buf    *[]byte // nil while nothing is buffered
	r, w   int     // (*buf)[r:w] is read but not handed over
	left   uint64  // bytes of the current frame, header included, gorilla has yet to get
	err    error   // sticky read error
	readFn func(fd uintptr) bool
	open   bool // the handshake is done and gorilla writes only close frames: they go to the writer
}

// gorillaBuffer is gorilla's own read buffer behind a gate: it only ever
// holds the rest of one frame, and gorilla needs room for a control
// frame's 125-byte payload (it reads headers and control payloads whole).
const gorillaBuffer = 128

func newGate(c *Conn, nc net.Conn, raw syscall.RawConn, pool *sync.Pool) *gate {
	g := &gate{Conn: nc, raw: raw, pool: pool, c: c}
	g.readFn = g.readReady
	return g
}

// frame kinds found at the front of the buffered bytes.
const (
	frontPartial = iota // not enough bytes to tell the frame's length
	frontControl        // a complete ping or pong, answered here
	frontFrame          // a header gorilla reads: data, close, or a protocol error
)

// front looks at the frame at the front of the buffered bytes. For a
// complete ping or pong and for any other frame whose header is complete it
// returns the frame's length, header included. A ping or pong is only
// handled here when well formed (final, masked, RSV clear, at most 125
// bytes); anything else is left to gorilla, which fails it with 1002.
func (g *gate) front() (kind int, n uint64) {
	b := (*g.buf)[g.r:g.w]
	if len(b) == 0 {
		return frontPartial, 0
	}
	op := b[0] & 0x0f
	ctrl := b[0]&0xf0 == 0x80 && (op == opPing || op == opPong)
	if len(b) < 2 {
		return frontPartial, 0
	}
	masked, ln := b[1]&0x80 != 0, uint64(b[1]&0x7f)
	if ctrl && masked && ln <= 125 {
		if uint64(len(b)) < 6+ln {
			return frontPartial, 0
		}
		return frontControl, 6 + ln
	}
	hdr := 2
	switch ln {
	case 126:
		hdr += 2
	case 127:
		hdr += 8
	}
	if masked {
		hdr += 4
	}
	if len(b) < hdr {
		return frontPartial, 0
	}
	switch ln {
	case 126:
		ln = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		ln = binary.BigEndian.Uint64(b[2:])
	}
	return frontFrame, min(ln, 1<<63) + uint64(hdr) // check refuses lengths this large
}

// pingOrPong reports whether the partial frame at the front is a ping or a
// pong, which wait finishes reading itself.
func (g *gate) pingOrPong() bool {
	b0 := (*g.buf)[g.r]
	op := b0 & 0x0f
	return b0&0xf0 == 0x80 && (op == opPing || op == opPong)
}

// control answers the complete ping or pong of n bytes at the front.
func (g *gate) control(n uint64) {
	b := (*g.buf)[g.r : g.r+int(n)]
	g.r += int(n)
	g.c.seen()
	if b[0]&0x0f == opPing {
		payload := make([]byte, len(b)-6)
		for i := range payload {
			payload[i] = b[6+i] ^ b[2+i&3]
		}
		g.c.sendControl(opPong, payload)
	}
	g.releaseIfEmpty()
}

// wait returns once the next frame for gorilla has begun to arrive, or the
// socket has failed; pings and pongs that come first are handled. It is
// called between messages, when gorilla holds nothing, and it blocks on
// the socket's readiness without a buffer.
func (g *gate) wait() {
	for g.err == nil && g.raw != nil {
		if g.buf != nil && g.frameNext() { // most waits start with nothing buffered: no call
			return
		}
		if err := g.raw.Read(g.readFn); err != nil && g.err == nil {
			g.err = err
		}
	}
}

// frameNext answers the complete pings and pongs at the front of the
// buffered bytes and reports whether what is left begins a frame for
// gorilla (anything but a ping or pong still arriving).
func (g *gate) frameNext() bool {
	for g.buf != nil && g.r < g.w {
		kind, n := g.front()
		if kind != frontControl {
			return kind == frontFrame || !g.pingOrPong()
		}
		g.control(n)
	}
	return false
}

// waitBuffered is wait where the socket cannot be waited on without a
// buffer (TLS): it reads into a pooled buffer, blocking, answers pings and
// notes pongs, and returns once the next frame for gorilla has begun to
// arrive, or the socket has failed. Only a background reader holding a
// message for its handler calls it: between a handler's own reads the
// TLS connection waits in Read, as before.
func (g *gate) waitBuffered() {
	for g.err == nil && !g.frameNext() {
		if g.fill() != nil {
			return
		}
	}
}

// closeOrFailureNext reports, after wait or waitBuffered, whether what
// comes next is not a data message: a close frame, a frame the gate
// refuses, or a failure of the socket.
func (g *gate) closeOrFailureNext() bool {
	if g.err != nil {
		return true
	}
	if g.buf == nil || g.r == g.w {
		return false
	}
	op := (*g.buf)[g.r] & 0x0f
	return op >= opClose
}

// readReady is the raw socket's read callback: it reads what has arrived
// into a pooled buffer, or reports that nothing has, giving the buffer back.
// It runs at the bottom of a waiting connection's stack, so it is kept lean.
func (g *gate) readReady(fd uintptr) bool {
	g.take() // a partial ping or pong may sit at the very end of the buffer
	n, err := sysRead(int(fd), (*g.buf)[g.w:])
	if err == syscall.EAGAIN {
		g.releaseIfEmpty()
		return false
	}
	if err == syscall.EINTR {
		return g.readReady(fd)
	}
	g.got(n, err)
	return true
}

// got records the outcome of a read that did not find the socket empty.
//
//go:noinline
func (g *gate) got(n int, err error) {
	switch {
	case err != nil:
		g.err = &net.OpError{Op: "read", Net: g.LocalAddr().Network(), Source: g.LocalAddr(), Addr: g.RemoteAddr(), Err: os.NewSyscallError("read", err)}
	case n == 0:
		g.err = io.EOF
	default:
		g.w += n
	}
	g.releaseIfEmpty()
}

// Read is gorilla's view of the socket: the bytes of one frame at a time.
func (g *gate) Read(p []byte) (int, error) {
	for g.left == 0 {
		if g.buf != nil && g.r < g.w {
			kind, n := g.front()
			if kind == frontControl {
				g.control(n)
				continue
			}
			if kind == frontFrame {
				if err := g.check(); err != nil {
					return 0, err
				}
				g.left = n
				break
			}
		}
		if err := g.fill(); err != nil {
			return 0, err
		}
	}
	want := int(min(uint64(len(p)), g.left))
	if g.buf == nil || g.r == g.w {
		// Nothing buffered: the rest of the frame goes straight to gorilla.
		if g.err != nil {
			return 0, g.err
		}
		n, err := g.Conn.Read(p[:want])
		g.left -= uint64(n)
		return n, err
	}
	n := copy(p[:want], (*g.buf)[g.r:g.w])
	g.r += n
	g.left -= uint64(n)
	g.releaseIfEmpty()
	return n, nil
}

// check fails the frame at the front when it breaks a rule gorilla does not
// enforce: a close frame's body is empty or at least a 2-byte code (RFC
// 6455, section 5.5.1), where gorilla reads a 1-byte body as no code; with
// permessage-deflate, whose RSV1 marks a compressed message, no control or
// continuation frame may set it (RFC 7692, section 6.1), where gorilla
// lets both through; and the most significant bit of a 64-bit length is 0
// (RFC 6455, section 5.2), where gorilla reports the length as over the
// read limit.
func (g *gate) check() error {
	b := (*g.buf)[g.r:g.w]
	op, rsv := b[0]&0x0f, b[0]&0x70
	switch {
	case b[1]&0x7f == 127 && b[2]&0x80 != 0: // front saw the whole header
		g.err = gateProtocolError("64-bit payload length with the most significant bit set")
	case op == opClose && b[1]&0x7f == 1:
		g.err = gateProtocolError("close frame with a 1-byte payload")
	case op >= opClose && rsv != 0:
		g.err = gateProtocolError("reserved bits set on a control frame")
	case op == 0 && rsv&0x40 != 0: // a continuation
		g.err = gateProtocolError("RSV1 set on a continuation frame")
	}
	return g.err
}

// skipToClose reads and drops the peer's frames, once gorilla's reader has
// failed, until the peer's close frame, the end of the stream or limit
// bytes. gorilla has taken what it read of the current frame; a frame the
// gate refused is still at the front.
func (g *gate) skipToClose(limit int64) {
	if _, ok := g.err.(gateProtocolError); ok {
		g.err = nil
	}
	for limit > 0 {
		if g.buf != nil && g.r < g.w {
			if g.left > 0 {
				n := int(min(uint64(g.w-g.r), g.left))
				g.r += n
				g.left -= uint64(n)
				limit -= int64(n)
				g.releaseIfEmpty()
				continue
			}
			if kind, n := g.front(); kind != frontPartial {
				if (*g.buf)[g.r]&0x0f == opClose {
					return
				}
				g.left = n
				continue
			}
		}
		if g.fill() != nil {
			return
		}
	}
}

// gateProtocolError is a protocol error the gate found; the connection
// closes with 1002 and it as the reason.
type gateProtocolError string

func (e gateProtocolError) Error() string { return "ws: protocol error: " + string(e) }

// fill reads more of a frame header into the buffer, blocking.
func (g *gate) fill() error {
	if g.err != nil {
		return g.err
	}
	g.take()
	n, err := g.Conn.Read((*g.buf)[g.w:])
	g.w += n
	if err != nil {
		g.err = err
	}
	g.releaseIfEmpty()
	if n > 0 {
		return nil
	}
	return g.err
}

// take makes sure there is a buffer with room for a whole header or
// control frame after the buffered bytes.
func (g *gate) take() {
	if g.buf == nil {
		g.buf = g.pool.Get().(*[]byte)
		g.r, g.w = 0, 0
		return
	}
	if len(*g.buf)-g.w < maxControlFrame {
		g.w = copy(*g.buf, (*g.buf)[g.r:g.w])
		g.r = 0
	}
}

// maxControlFrame is the longest client control frame: a 2-byte header, a
// 4-byte mask and 125 bytes of payload.
const maxControlFrame = 2 + 4 + 125

func (g *gate) releaseIfEmpty() {
	if g.buf != nil && g.r == g.w {
		g.pool.Put(g.buf)
		g.buf = nil
	}
}

// Write is gorilla's write to the socket. Before the handshake is done it
// is the 101 response, and with permessage-deflate gorilla writes every
// frame: those pass through. Otherwise, once the handshake is done,
// gorilla writes only the close frame of a protocol error or of a frame
// over the read limit (the connection's own handlers answer pings and
// closes): it is queued on the connection's writer instead, behind the
// messages already queued, so that it never lands inside a frame the
// writer has only partly written.
func (g *gate) Write(p []byte) (int, error) {
	if !g.open {
		return g.Conn.Write(p)
	}
	code, reason := CloseNoStatus, ""
	if len(p) >= 4 && p[0] == 0x80|opClose && int(p[1]) == len(p)-2 {
		code, reason = int(binary.BigEndian.Uint16(p[2:])), string(p[4:])
	}
	g.c.closeWith(code, reason, false)
	return len(p), nil
}

// SetWriteDeadline is gorilla's, for the close frame it writes; the
// connection's writer keeps the socket's deadline once the handshake is
// done.
func (g *gate) SetWriteDeadline(t time.Time) error {
	if !g.open {
		return g.Conn.SetWriteDeadline(t)
	}
	return nil
}

// onRaw reports whether the connection is on a plain TCP or Unix socket,
// which its writer writes without blocking; over TLS it writes through the
// TLS connection.
func (c *Conn) onRaw() bool { return c.gate != nil && c.gate.raw != nil }

// readPool returns the server's pool of read buffers of n bytes.
func (s *Server) readPool(n int) *sync.Pool {
	n = max(n, 2*maxControlFrame)
	s.poolMu.Lock()
	defer s.poolMu.Unlock()
	p, ok := s.readPools[n]
	if !ok {
		p = &sync.Pool{New: func() any { b := make([]byte, n); return &b }}
		s.readPools[n] = p
	}
	return p
}
