package ws

import (
	"encoding/json"
	"net"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// writer is the send side of a Conn. Every frame goes through its queue;
// whoever holds the flushing role writes it to the socket. A reply (a send
// made while the handler holds a message it just received) that finds the
// queue empty tries a non-blocking write on its own goroutine; anything
// else is written by the server's flush pool (flushPool), which writes
// everything queued in one system call without ever blocking, and hands a
// connection whose socket is full to a goroutine of its own (flushLoop)
// that lives only while there is something to write.
type writer struct {
	// The first 64 bytes are what a send touches: a fan-out goes through
	// thousands of writers per message, and every further cache line a
	// send writes is one more miss per delivery.
	mu        sync.Mutex
	queue     []frame // data frames, and the close frame
	queued    int     // bytes of the data frames in queue, as send added them (sendbudget.go)
	msgsOut   uint64  // messages queued: Stats' MessagesOut, counted under mu, which every send holds anyway
	bytesOut  uint64  // their payload bytes: Stats' BytesOut
	flushing  bool    // a goroutine owns writing
	closing   bool    // a close frame is queued or sent: no more data
	failed    bool    // err is set
	sentFin   bool    // the close frame has been written
	upgrading bool    // the handshake response is being written (early.go)

	ctrl       []frame       // pings and pongs, written before queued data
	owed       int           // pongs asked for while one was already queued: see sendControl
	err        error         // sticky write error
	idle       chan struct{} // closed when the queue drains: see waitFlushed
	high       bool          // above OnDrain's low-water mark since the last drain (backpressure.go)
	draining   bool          // an OnDrain call runs
	drainAgain bool          // a drain came during that call: call OnDrain again after it
	room       chan struct{} // closed when a flush frees room, for sends under SlowConsumerBlock
}

// maxBatchBytes bounds what one flush writes, so that a close frame queued
// behind a stalled batch is not held up by more than this.
const maxBatchBytes = 256 << 10

var framePool = sync.Pool{New: func() any { s := make([]frame, 0, 16); return &s }}

var batchPool = sync.Pool{New: func() any {
	b := new(batch)
	b.rw.init()
	return b
}}

// batch is the scratch space of one flush: the vector of buffers to
// write, and flat, where frame headers and small payloads are copied so
// that a run of small frames goes out as one contiguous buffer (one
// write(2) rather than a writev of many short pieces).
type batch struct {
	bufs   net.Buffers
	flat   []byte
	joined []byte    // the whole batch, for connections without writev (TLS)
	rw     rawWriter // the state of a write on the raw socket
}

// smallPiece is the largest payload or prepared frame copied into the
// batch's contiguous buffer; larger ones are written from where they are.
const smallPiece = 2 << 10

// build lays frames out in b.bufs: headers and small pieces copied into
// b.flat (sized first, so that appending never moves what earlier entries
// point to), large pieces as their own entries.
func (b *batch) build(frames []frame) {
	need := 0
	for i := range frames {
		f := &frames[i]
		switch f.kind {
		case kindRaw:
			need += flatSize(f.n)
		case kindPrepared:
			need += flatSize(len(f.prepared().framed))
		default:
			need += maxHeaderLen + flatSize(f.n)
		}
	}
	if cap(b.flat) < need {
		b.flat = make([]byte, 0, max(need, 4<<10))
	}
	b.flat = b.flat[:0]
	b.bufs = b.bufs[:0]
	run := 0 // start in b.flat of the piece not yet in b.bufs
	add := func(p []byte) {
		if len(p) == 0 {
			return
		}
		if len(p) <= smallPiece {
			b.flat = append(b.flat, p...)
			return
		}
		if run < len(b.flat) {
			b.bufs = append(b.bufs, b.flat[run:len(b.flat):len(b.flat)])
			run = len(b.flat)
		}
		b.bufs = append(b.bufs, p)
	}
	for i := range frames {
		f := &frames[i]
		switch f.kind {
		case kindRaw:
			add(f.bytes())
		case kindPrepared:
			add(f.prepared().framed)
		default:
			b.flat = appendHeader(b.flat, f.op, f.n)
			add(f.bytes())
		}
	}
	if run < len(b.flat) {
		b.bufs = append(b.bufs, b.flat[run:len(b.flat):len(b.flat)])
	}
}

// flatSize is what a piece of n bytes takes in batch.flat.
func flatSize(n int) int {
	if n <= smallPiece {
		return n
	}
	return 0
}

// reset drops the batch's references to frames, and a buffer grown past
// what a flush normally needs.
func (b *batch) reset() {
	clear(b.bufs[:cap(b.bufs)])
	b.bufs = b.bufs[:0]
	if cap(b.flat) > 2*maxBatchBytes {
		b.flat = nil
	}
	if cap(b.joined) > 2*maxBatchBytes {
		b.joined = nil
	}
}

// SendText sends s as a text message.
func (c *Conn) SendText(s string) error {
	return c.send(payloadFrame(opText, unsafe.Slice(unsafe.StringData(s), len(s))), true, false)
}

// SendBytes sends b as a binary message. b is not retained after the call.
func (c *Conn) SendBytes(b []byte) error {
	return c.send(payloadFrame(opBinary, b), true, true)
}

// SendJSON sends v encoded as JSON in a text message.
func (c *Conn) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return &EncodeError{Err: err}
	}
	return c.send(payloadFrame(opText, b), true, false)
}

// Send sends v by its type: a []byte as a binary message, a string as a
// text message, a *PreparedMessage as itself, anything else as JSON.
func (c *Conn) Send(v any) error {
	switch x := v.(type) {
	case []byte:
		return c.SendBytes(x)
	case string:
		return c.SendText(x)
	case *PreparedMessage:
		return c.SendPrepared(x)
	case Message:
		return c.send(payloadFrame(byte(x.Type), x.Data), true, true)
	}
	return c.SendJSON(v)
}

// SendMessage sends data with the given message type. data is not retained
// after the call.
func (c *Conn) SendMessage(typ MessageType, data []byte) error {
	return c.send(payloadFrame(byte(typ), data), true, true)
}

// SendPrepared queues a message framed once for many connections. It never
// writes on the caller's goroutine, so a fan-out loop costs one queue
// insertion per connection and never waits for a socket. Nor does it
// perform the handshake: before Accept it fails at once with
// ErrNotAccepted, so that a connection whose handler has not accepted
// never holds up the fan-out (a message sent while Accept is writing the
// handshake response is written after it).
func (c *Conn) SendPrepared(pm *PreparedMessage) error {
	f := preparedFrame(pm)
	if c.state.Load() != stateOpen {
		if held, err := c.holdEarly(f); held || err != nil {
			return err
		}
	}
	return c.send(f, false, false)
}

func (c *Conn) send(f frame, inline, copyPayload bool) error {
	if c.state.Load() != stateOpen {
		if err := c.Accept(); err != nil && err != ErrAlreadyAccepted {
			return err
		}
	}
	w := &c.w
	w.mu.Lock()
	if w.closing || w.failed {
		w.mu.Unlock()
		return c.endErr()
	}
	if len(w.queue) >= c.cfg.SendQueue || w.overBudget(f.size(), c.cfg.SendQueueBytes) {
		if c.cfg.OnDrain != nil {
			c.armDrainLocked(true)
		}
		w.mu.Unlock()
		if !inline || c.cfg.SlowConsumer != SlowConsumerBlock {
			return c.queueFull()
		}
		// A direct send under SlowConsumerBlock waits for room; it comes
		// back with w.mu held.
		if err := c.waitRoom(f.size()); err != nil {
			return err
		}
	}
	// Only a reply writes inline: the handler received a message and
	// answers on its own goroutine. Any other sender (a fan-out loop over
	// many connections) queues, so that flushers write in parallel and
	// coalesce.
	if inline && !w.flushing && c.onRaw() && !c.compress && len(w.queue) == 0 && len(w.ctrl) == 0 && c.r.replying.Load() {
		w.flushing = true
		// Counted before it can reach the peer, as a queued frame is: a
		// client that has the reply sees it in the figures.
		w.countOut(&f)
		w.mu.Unlock()
		rest, err := c.writeNow(&f)
		if err != nil {
			c.writeFailed(err)
		}
		c.afterWrite(rest, false)
		if err != nil {
			return c.endErr()
		}
		return nil
	}
	if copyPayload && f.ptr != nil {
		f = payloadFrame(f.op, append([]byte(nil), f.bytes()...))
	}
	if w.queue == nil {
		w.queue = *framePool.Get().(*[]frame)
	}
	w.queue = append(w.queue, f)
	w.queued += f.size()
	if c.cfg.OnDrain != nil {
		c.armDrainLocked(false)
	}
	w.countOut(&f)
	c.kickLocked()
	w.mu.Unlock()
	return nil
}

// takeQueue returns w.queue, allocating it from the pool when nil. Called
// with w.mu held.
func (c *Conn) takeQueue() []frame {
	if c.w.queue == nil {
		return *framePool.Get().(*[]frame)
	}
	return c.w.queue
}

// countOut counts a data frame as sent. Called with w.mu held.
func (w *writer) countOut(f *frame) {
	if f.isRaw() || isControl(f.op) {
		return
	}
	n := f.n
	if pm := f.prepared(); pm != nil {
		n = len(pm.data)
	}
	w.msgsOut++
	w.bytesOut += uint64(n)
}

// queueFull applies the slow-consumer policy. Under SlowConsumerBlock it is
// reached only by sends that never wait (SendPrepared, control frames),
// which drop.
func (c *Conn) queueFull() error {
	if c.cfg.SlowConsumer != SlowConsumerClose {
		c.stats.dropped.Add(1)
		return ErrSendQueueFull
	}
	if c.closeWith(CloseTryAgainLater, "connection too slow to keep up with messages", true) {
		c.srv.stats.slow.Add(1)
		c.srv.obs.SlowConsumer(c)
	}
	return ErrSendQueueFull
}

// sendControl queues a ping or pong ahead of data. A pong replaces one
// still queued: only the latest ping is answered (RFC 6455, section
// 5.5.3). Pongs asked for while one waits count against the send queue,
// until the writer takes the pong, so that a peer that floods pings and
// reads nothing meets the slow-consumer policy rather than growing memory.
func (c *Conn) sendControl(op byte, payload []byte) {
	w := &c.w
	w.mu.Lock()
	if w.sentFin || w.err != nil || c.state.Load() != stateOpen {
		w.mu.Unlock()
		return
	}
	if i := slices.IndexFunc(w.ctrl, func(f frame) bool { return f.op == opPong }); op == opPong && i >= 0 {
		w.ctrl[i] = payloadFrame(opPong, payload)
		w.owed++
		full := w.owed+len(w.queue) > c.cfg.SendQueue
		w.mu.Unlock()
		if full {
			c.queueFull()
		}
		return
	}
	w.ctrl = append(w.ctrl, payloadFrame(op, payload))
	c.kickLocked()
	w.mu.Unlock()
}

// kickLocked hands the flushing role out unless someone holds it: to the
// server's flush pool for a plain socket, to a goroutine of the
// connection's own otherwise. Called with w.mu held.
func (c *Conn) kickLocked() {
	if c.w.flushing {
		return
	}
	c.w.flushing = true
	if c.onRaw() && !c.compress {
		c.srv.flush.push(c)
		return
	}
	go c.flushLoop()
}

// flushLoop writes queued frames until the queue is empty, then exits. It
// blocks on a full socket, within the write timeout.
func (c *Conn) flushLoop() {
	b := batchPool.Get().(*batch)
	defer batchPool.Put(b)
	for {
		frames, fin, ok := c.takeBatch()
		if !ok {
			return
		}
		err := c.writeFrames(b, frames)
		putFrames(frames)
		c.wrote(fin, err)
	}
}

// flushShared writes one batch of the queue on a goroutine of the flush
// pool, without blocking.
func (c *Conn) flushShared(b *batch) {
	frames, fin, ok := c.takeBatch()
	if !ok {
		return
	}
	b.build(frames)
	rest, err := c.writeSome(b)
	left := flatten(rest)
	b.reset()
	putFrames(frames)
	if err == nil && left != nil {
		c.afterWrite(left, fin)
		return
	}
	c.wrote(fin, err)
	c.afterWrite(nil, false)
}

// afterWrite hands the flushing role on after a write that did not block:
// left, the bytes the socket did not take (fin when they end with the
// close frame), goes back to the head of the queue for a goroutine of the
// connection's own, which waits for the socket; otherwise the connection
// rejoins the flush pool while it has more to write, and gives the role
// up when it has not (or has failed).
func (c *Conn) afterWrite(left []byte, fin bool) {
	w := &c.w
	w.mu.Lock()
	if left != nil {
		q := append(c.takeQueue(), frame{})
		copy(q[1:], q)
		op := byte(0)
		if fin {
			op = opClose // so that its writer marks the close frame sent
		}
		q[0] = rawFrame(left, op)
		w.queue = q
		w.mu.Unlock()
		go c.flushLoop()
		return
	}
	if w.idleLocked() {
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	c.srv.flush.push(c)
}

// flatten copies bufs into one slice, or returns nil when they are empty.
func flatten(bufs net.Buffers) []byte {
	n := 0
	for _, p := range bufs {
		n += len(p)
	}
	if n == 0 {
		return nil
	}
	out := make([]byte, 0, n)
	for _, p := range bufs {
		out = append(out, p...)
	}
	return out
}

// takeBatch takes what the next write carries out of the queues: the
// unwritten rest of a frame first, then control frames, then data, up to
// maxBatchBytes. It reports false, and gives the flushing role up, when
// nothing is left to write or the connection has failed.
func (c *Conn) takeBatch() (frames []frame, fin, ok bool) {
	w := &c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.idleLocked() {
		return nil, false, false
	}
	start := 0
	if len(w.queue) > 0 && w.queue[0].isRaw() {
		// A frame the socket took only in part: nothing may cut into it.
		frames = append(*framePool.Get().(*[]frame), w.queue[0])
		start = 1
	}
	if len(w.ctrl) > 0 {
		if frames == nil {
			frames = *framePool.Get().(*[]frame)
		}
		frames = append(frames, w.ctrl...)
		clear(w.ctrl)
		w.ctrl = w.ctrl[:0]
	}
	w.owed = 0
	n := 0
	for _, f := range frames {
		n += f.size()
	}
	i := start
	for ; i < len(w.queue); i++ {
		f := &w.queue[i]
		size := f.size()
		if i > start && n+size > maxBatchBytes {
			break
		}
		n += size
		w.dequeued(f, size)
	}
	if frames == nil && i == len(w.queue) {
		// The whole queue is the batch (the common case): it is handed
		// over as it is, and the next send starts a queue afresh.
		frames, w.queue = w.queue, nil
	} else {
		if frames == nil {
			frames = *framePool.Get().(*[]frame)
		}
		frames = append(frames, w.queue[start:i]...)
		rest := copy(w.queue, w.queue[i:])
		clear(w.queue[rest:])
		w.queue = w.queue[:rest]
		if rest == 0 && cap(w.queue) > 0 {
			q := w.queue
			w.queue = nil
			framePool.Put(&q)
		}
	}
	if i > 0 { // the unwritten rest of a frame held a place too
		w.roomFreedLocked()
	}
	for _, f := range frames {
		fin = fin || f.op == opClose
	}
	return frames, fin, true
}

// idleLocked gives the flushing role up and reports true when there is
// nothing to write or the connection has failed. Called with w.mu held.
func (w *writer) idleLocked() bool {
	if w.err == nil && (len(w.ctrl) > 0 || len(w.queue) > 0) {
		return false
	}
	w.flushing = false
	w.signalIdle()
	return true
}

// wrote records the outcome of writing a batch, whole: what is buffered is
// then what the queue holds, which OnDrain looks at.
func (c *Conn) wrote(fin bool, err error) {
	if err != nil {
		c.writeFailed(err)
		return
	}
	if fin || c.cfg.OnDrain != nil {
		c.w.mu.Lock()
		c.w.sentFin = c.w.sentFin || fin
		c.drainedLocked()
		c.w.mu.Unlock()
	}
}

func putFrames(frames []frame) {
	clear(frames)
	frames = frames[:0]
	framePool.Put(&frames)
}

// signalIdle wakes a goroutine waiting for the queue to drain. Called with
// w.mu held.
func (w *writer) signalIdle() {
	if w.idle != nil {
		close(w.idle)
		w.idle = nil
	}
}

// waitFlushed waits until nothing is queued or being written, or until the
// deadline.
func (c *Conn) waitFlushed(d time.Duration) {
	w := &c.w
	w.mu.Lock()
	if !w.flushing {
		w.mu.Unlock()
		return
	}
	if w.idle == nil {
		w.idle = make(chan struct{})
	}
	ch := w.idle
	w.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// writeFrames writes frames to the socket in as few system calls as it can,
// within the write timeout.
func (c *Conn) writeFrames(b *batch, frames []frame) error {
	if c.compress {
		if err := c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)); err != nil {
			return err
		}
		return c.writeGorilla(frames)
	}
	b.build(frames)
	defer b.reset()
	if c.onRaw() {
		return c.writeRaw(b)
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)); err != nil {
		return err
	}
	var err error
	if len(b.bufs) == 1 {
		_, err = c.nc.Write(b.bufs[0])
	} else if _, ok := c.nc.(*net.TCPConn); ok {
		bufs := b.bufs // WriteTo consumes its receiver
		_, err = bufs.WriteTo(c.nc)
	} else {
		// One Write keeps a frame whole on connections that are not
		// plain sockets (TLS), where writev is not available.
		b.joined = b.joined[:0]
		for _, p := range b.bufs {
			b.joined = append(b.joined, p...)
		}
		_, err = c.nc.Write(b.joined)
	}
	return err
}

// writeRaw writes b.bufs on the raw socket: non-blocking writes for as long
// as the kernel takes the bytes, which is almost always all of them, so the
// common flush neither arms a write deadline nor takes the net package's
// write path. When the socket buffer is full, the rest goes through a
// blocking write bounded by the write timeout, and the deadline is cleared
// again afterwards (an expired deadline would fail the next raw write).
func (c *Conn) writeRaw(b *batch) error {
	bufs, err := c.writeSome(b)
	if err != nil || len(bufs) == 0 {
		return err
	}
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)); err != nil {
		return err
	}
	_, err = bufs.WriteTo(c.nc)
	if derr := c.nc.SetWriteDeadline(time.Time{}); err == nil {
		err = derr
	}
	return err
}

// writeSome writes b.bufs on the raw socket for as long as the kernel
// takes them without blocking, and returns what is left.
func (c *Conn) writeSome(b *batch) (net.Buffers, error) {
	bufs := b.bufs
	for len(bufs) > 0 {
		n, err := b.rw.write(c.gate.raw, bufs)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break // the socket buffer is full
		}
		bufs = consume(bufs, n)
	}
	return bufs, nil
}

// consume drops the first n bytes of bufs.
func consume(bufs net.Buffers, n int) net.Buffers {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if n > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}

// writeGorilla writes frames through gorilla, which compresses them.
func (c *Conn) writeGorilla(frames []frame) error {
	deadline := time.Now().Add(c.cfg.WriteTimeout)
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	for i := range frames {
		f := &frames[i]
		var err error
		switch {
		case f.isRaw():
			_, err = c.nc.Write(f.bytes())
		case isControl(f.op):
			err = c.ws.WriteControl(int(f.op), f.bytes(), deadline)
		case f.kind == kindPrepared:
			// gorilla's prepared message keeps one frame per form: the
			// compressed one is made once for every connection.
			c.ws.EnableWriteCompression(c.compressFrame(f))
			gpm, perr := f.prepared().gorilla()
			if err = perr; err == nil {
				err = c.ws.WritePreparedMessage(gpm)
			}
		default:
			c.ws.EnableWriteCompression(c.compressFrame(f))
			err = c.ws.WriteMessage(int(f.op), f.bytes())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeFailed records a write error: the connection is broken.
func (c *Conn) writeFailed(err error) {
	w := &c.w
	w.mu.Lock()
	if w.err == nil {
		w.err, w.failed = err, true
	}
	clear(w.queue)
	w.queue = w.queue[:0]
	w.queued = 0
	w.mu.Unlock()
	c.abort(&CloseError{Code: CloseAbnormal, Reason: "write failed: " + err.Error()})
}
