package ws

import (
	"compress/flate"
	"errors"
	"io"
	"iter"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// reader is the receive side of a Conn. The handler reads on its own
// goroutine; when it does not read at all (a server-push endpoint), the
// heartbeat starts a background reader so that pongs and close frames are
// still seen.
type reader struct {
	mu       sync.Mutex    // held by an inline read
	bg       *bgReader     // non-nil once the background reader runs
	bgState  atomic.Uint32 // bgHeld, bgStoodDown
	recent   atomic.Bool   // the handler read since the last heartbeat tick
	replying atomic.Bool   // the handler holds a message it just received
	linger   bool          // err left our close frame unanswered: see drainReads
	err      error         // sticky read error, owned by the reading goroutine
	lastSeen atomic.Int64
	lastData atomic.Int64 // when the last data message began to arrive: see idle.go
	iterErr  error
}

// Bits of reader.bgState.
const (
	// bgHeld: the background reader has handed a message over that the
	// handler has not taken. Such a message counts as activity for the
	// idle timeout (idle.go): the client sent it.
	bgHeld = 1 << iota
	// bgStoodDown: while a message is held, the next data message has
	// begun to arrive, so the background reader reads nothing until the
	// handler takes the held one; the heartbeat stands down meanwhile,
	// pongs being unread.
	bgStoodDown
)

// bgReader is the background reader's hand-over: messages, and done,
// closed once the goroutine has returned. Most connections never have one,
// so it is not part of every reader.
type bgReader struct {
	msgs  chan readResult // holds one message the handler has not taken
	taken chan struct{}   // signalled when the handler takes one
	done  chan struct{}
}

// take returns the next message the background reader read, and tells it
// the message was taken: bgHeld is cleared before the reader is signalled,
// and the reader sets it again only once it sees it clear, so it is never
// cleared for a message taken later.
func (bg *bgReader) take(r *reader) (readResult, bool) {
	res, ok := <-bg.msgs
	if ok {
		r.bgState.And(^uint32(bgHeld))
	}
	select {
	case bg.taken <- struct{}{}:
	default:
	}
	return res, ok
}

type readResult struct {
	m   Message
	err error
}

var errTooBig = errors.New("ws: message too big")

// Receive returns the next data message. It answers pings and notes pongs
// while it waits.
func (c *Conn) Receive() (Message, error) {
	// Every frame of this function stays on the stack of a connection
	// waiting for its next message, so the rarer paths are calls of their
	// own (see waitShallow).
	if c.state.Load() != stateOpen {
		if err := c.acceptToRead(); err != nil {
			return Message{}, err
		}
	}
	r := &c.r
	r.mu.Lock()
	if r.bg != nil {
		return c.receiveBackground()
	}
	r.replying.Store(false)
	if g := c.gate; g != nil && g.left == 0 {
		g.wait() // here rather than in readMessage: one frame less on the waiting stack
	}
	m, err := c.readMessage()
	r.recent.Store(true)
	r.replying.Store(err == nil)
	r.mu.Unlock()
	return m, err
}

// ReceiveText returns the next message, which must be text. A binary
// message is consumed and reported as ErrMessageType.
func (c *Conn) ReceiveText() (string, error) {
	m, err := c.Receive()
	if err != nil {
		return "", err
	}
	if m.Type != TextMessage {
		return "", ErrMessageType
	}
	return string(m.Data), nil
}

// ReceiveBytes returns the next message, which must be binary. A text
// message is consumed and reported as ErrMessageType.
func (c *Conn) ReceiveBytes() ([]byte, error) {
	m, err := c.Receive()
	if err != nil {
		return nil, err
	}
	if m.Type != BinaryMessage {
		return nil, ErrMessageType
	}
	return m.Data, nil
}

// ReceiveJSON receives the next message, text or binary, decodes its JSON
// into v and validates v's `validate:` tags with c.Validate, as
// channels.Channel.ReceiveJSON and Decode do. A malformed message is a
// *DecodeError and a failed validation a *ValidationError; the connection
// stays open and c.SendError answers both. To decode without validating,
// use c.Receive and Message.JSON.
func (c *Conn) ReceiveJSON(v any) error {
	m, err := c.Receive()
	if err != nil {
		return err
	}
	if err := m.JSON(v); err != nil {
		return err
	}
	return c.Validate(v)
}

// Texts iterates over text messages until the connection ends:
//
//	for msg := range c.Texts() { ... }
//	if err := c.Err(); err != nil { ... }
//
// A binary message closes the connection with 1003.
func (c *Conn) Texts() iter.Seq[string] {
	return func(yield func(string) bool) {
		for m := range c.Messages() {
			if m.Type != TextMessage {
				c.Close(CloseUnsupportedData, "binary messages are not accepted")
				c.r.iterErr = c.endErr()
				return
			}
			if !yield(string(m.Data)) {
				return
			}
		}
	}
}

// Messages iterates over data messages until the connection ends; Err
// reports why it ended.
func (c *Conn) Messages() iter.Seq[Message] {
	return func(yield func(Message) bool) {
		c.r.iterErr = nil
		for {
			m, err := c.Receive()
			if err != nil {
				c.r.iterErr = err
				return
			}
			if !yield(m) {
				return
			}
		}
	}
}

// Err returns the error that ended the last Texts or Messages loop, or nil
// when the peer closed normally (1000, 1001 or no code).
func (c *Conn) Err() error {
	err := c.r.iterErr
	var ce *CloseError
	if errors.As(err, &ce) && ce.Remote {
		switch ce.Code {
		case CloseNormal, CloseGoingAway, CloseNoStatus:
			return nil
		}
	}
	return err
}

// readMessage reads one data message. Only one goroutine calls it at a time.
func (c *Conn) readMessage() (Message, error) {
	r := &c.r
	for r.err == nil {
		if c.gate != nil && c.gate.left == 0 {
			c.gate.wait() // between frames: gorilla holds nothing
		}
		typ, rd, err := c.ws.NextReader()
		if err != nil {
			r.err = c.readFailed(err)
			break
		}
		now := time.Now().UnixNano()
		r.lastSeen.Store(now)
		r.lastData.Store(now)
		data, err := readAll(rd, c.cfg.ReadLimit)
		// w.closing is set only with closeErr (close.go): while closeErr
		// is nil, the lock need not be taken to know it is not set.
		if c.closeErr.Load() != nil && c.w.isClosing() {
			continue // after our close frame, data is discarded
		}
		switch {
		case err == errTooBig:
			c.closeWith(CloseMessageTooBig, "message too big", false)
			continue
		case isCorruptDeflate(err):
			// gorilla's framing is intact: the rest of the message is
			// skipped as the connection closes.
			c.closeWith(CloseInvalidPayload, "invalid compressed data", false)
			continue
		case err != nil:
			r.err = c.readFailed(err)
			continue
		case typ == websocket.TextMessage && !utf8.Valid(data):
			c.closeWith(CloseInvalidPayload, "invalid UTF-8 in text message", false)
			continue
		}
		c.stats.msgsIn.Add(1)
		c.stats.bytesIn.Add(uint64(len(data)))
		m := Message{Type: MessageType(typ), Data: data}
		if len(c.cfg.Filters) > 0 {
			if pass, err := c.filter(m); !pass {
				if err != nil {
					return Message{}, err
				}
				continue
			}
		}
		return m, nil
	}
	return Message{}, r.err
}

// readScratch holds the first bytes of each message while it is read, so
// that a small message costs one allocation of its own size rather than
// io.ReadAll's 512-byte start (and its growth), and no buffer is kept per
// connection between messages.
var readScratch = sync.Pool{New: func() any { b := make([]byte, 4<<10); return &b }}

// readAll reads a message up to limit bytes.
func readAll(rd io.Reader, limit int64) ([]byte, error) {
	sp := readScratch.Get().(*[]byte)
	defer readScratch.Put(sp)
	s := *sp
	n := 0
	for n < len(s) {
		m, err := rd.Read(s[n:])
		n += m
		if int64(n) > limit {
			return nil, errTooBig
		}
		if err == io.EOF {
			return append(make([]byte, 0, n), s[:n]...), nil
		}
		if err != nil {
			return nil, err
		}
	}
	// Larger than the scratch buffer: go on in a buffer of its own.
	data := append(make([]byte, 0, 2*n), s[:n]...)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		m, err := rd.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if int64(len(data)) > limit {
			return nil, errTooBig
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// isCorruptDeflate reports whether err is permessage-deflate data that does
// not inflate.
func isCorruptDeflate(err error) bool {
	var ce flate.CorruptInputError
	var ie flate.InternalError
	return errors.As(err, &ce) || errors.As(err, &ie)
}

// readFailed turns a read error into the error the handler sees, and ends
// the connection.
func (c *Conn) readFailed(err error) error {
	var pe gateProtocolError
	if errors.As(err, &pe) {
		// The gate refused a frame gorilla has not seen: the close frame
		// is nexo's to send.
		c.r.linger = true
		c.closeWithErr(&CloseError{Code: CloseProtocolError, Reason: string(pe)}, false)
		return c.endErr()
	}
	var gce *websocket.CloseError
	if errors.As(err, &gce) && gce.Code != websocket.CloseAbnormalClosure {
		// The peer's close frame; the close handler has queued our answer.
		if ce := c.closeErr.Load(); ce != nil && !ce.Remote {
			return ce
		}
		return &CloseError{Code: gce.Code, Reason: gce.Text, Remote: true}
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		// gorilla has sent close 1009 itself.
		return c.closedByGorilla(&CloseError{Code: CloseMessageTooBig, Reason: "message too big"})
	}
	var ne net.Error
	if !errors.As(err, &ne) && strings.HasPrefix(err.Error(), "websocket: ") && !errors.Is(err, io.ErrUnexpectedEOF) && gce == nil {
		// gorilla found a protocol error and has sent close 1002.
		return c.closedByGorilla(&CloseError{Code: CloseProtocolError, Reason: strings.TrimPrefix(err.Error(), "websocket: ")})
	}
	if ce := c.closeErr.Load(); ce != nil {
		// We closed (or timed out) and the socket went away.
		c.abort(ce)
		return ce
	}
	ce := &CloseError{Code: CloseAbnormal, Reason: err.Error(), Remote: true}
	c.abort(ce)
	return ce
}

// closedByGorilla ends a connection whose close frame gorilla has written
// (protocol errors, frames over the read limit). Once the handshake is
// done that frame is queued on the writer (gate.Write), and the connection
// closes as for any close it starts: the teardown flushes what is queued,
// then the close frame. With permessage-deflate gorilla writes every frame,
// and wrote this one to the socket itself: nothing more may be written
// there. Either way the peer may still be sending: drainReads reads on.
func (c *Conn) closedByGorilla(ce *CloseError) error {
	c.r.linger = true
	if c.gate.open {
		c.closeWithErr(ce, false) // when gorilla could not write it
		return c.endErr()
	}
	w := &c.w
	w.mu.Lock()
	started := !w.closing
	w.closing, w.sentFin = true, true
	clear(w.queue)
	w.queue = w.queue[:0]
	clear(w.ctrl)
	w.ctrl = w.ctrl[:0]
	w.mu.Unlock()
	c.closeErr.CompareAndSwap(nil, ce)
	c.cancel(c.closeErr.Load())
	if started {
		c.force.Store(time.AfterFunc(c.cfg.CloseTimeout, c.closeSocket))
	}
	return c.endErr()
}

// seen records that the peer showed signs of life.
func (c *Conn) seen() { c.r.lastSeen.Store(time.Now().UnixNano()) }

// onPeerClose is gorilla's close handler: it answers the peer's close
// frame with the same code.
func (c *Conn) onPeerClose(code int, text string) error {
	c.seen()
	c.closeWithErr(&CloseError{Code: code, Reason: text, Remote: true}, false)
	return nil
}

// startBackgroundReader moves reading to its own goroutine. Called with
// r.mu held.
//
// The reader hands a message over and, until the handler takes it, keeps
// reading what the handler does not see: pings are answered, pongs noted
// and the peer's close frame read, so that a handler that never reads
// still notices a client that vanished or closed after sending a message.
// Only the next data message waits, unread, for the handler: it holds at
// most one message, as before.
func (c *Conn) startBackgroundReader() {
	r := &c.r
	bg := &bgReader{msgs: make(chan readResult, 1), taken: make(chan struct{}, 1), done: make(chan struct{})}
	r.bg = bg
	go func() {
		defer close(bg.done)
		defer close(bg.msgs)
		for {
			m, err := c.readMessage()
			r.bgState.Or(bgHeld)
			select {
			case bg.msgs <- readResult{m, err}: // room: the last one was taken
			case <-c.Done():
				return
			}
			if err != nil || !c.holdUntilTaken(bg) {
				return
			}
		}
	}()
}

// holdUntilTaken returns once the handler has taken the message handed
// over, or a close frame or a failure of the socket is next to read; it
// reports false when the connection has ended. Until then pings and pongs
// are handled (gate.wait), so the heartbeat still sees the peer; only
// while a data message is next, unread, does the heartbeat stand down
// (bgStoodDown).
func (c *Conn) holdUntilTaken(bg *bgReader) bool {
	r := &c.r
	if g := c.gate; g != nil && g.left == 0 {
		if g.raw != nil {
			g.wait()
		} else {
			g.waitBuffered() // TLS
		}
		if g.closeOrFailureNext() {
			return true
		}
	}
	r.bgState.Or(bgStoodDown)
	defer r.bgState.And(^uint32(bgStoodDown))
	for r.bgState.Load()&bgHeld != 0 {
		select {
		case <-bg.taken:
		case <-c.Done():
			return false
		}
	}
	return true
}

// drainReads reads and discards until the peer's close frame or the end of
// the socket. Called after the handler returned. When reading failed
// after a close frame of ours that the peer has not answered (a protocol
// error, a message over the limit), gorilla's reader is done, and the gate
// skips the peer's frames up to its close frame instead, for CloseTimeout
// and max(2 × ReadLimit, lingerBytes) bytes at most: closing a socket with
// unread data resets it, which can drop our close frame before the peer
// reads it.
func (c *Conn) drainReads() {
	r := &c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bg != nil {
		for _, ok := r.bg.take(r); ok; _, ok = r.bg.take(r) {
		}
	}
	for r.err == nil {
		c.readMessage()
	}
	if r.linger {
		c.nc.SetReadDeadline(time.Now().Add(c.cfg.CloseTimeout))
		c.gate.skipToClose(max(2*c.cfg.ReadLimit, lingerBytes))
	}
}

// lingerBytes is the least drainReads reads after a failed read, for a
// peer that was sending a message when our close frame went out.
const lingerBytes = 4 << 20
