package ws_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// stalledServer serves h with small socket buffers, so that a client that
// does not read (dialled with stalledDial) fills them quickly.
func stalledServer(t *testing.T, h ws.HandlerFunc, opts ...ws.Option) *nexotest.Server {
	t.Helper()
	s, _ := serveWith(t, []nexotest.ServerOption{nexotest.WithSendBuffer(16 << 10)}, h, opts...)
	return s
}

func stalledDial(s *nexotest.Server) *nexotest.Conn {
	return s.Dial("/ws", nexotest.WithReceiveBuffer(4096))
}

// readUntilText reads past binary messages and returns the first text one.
func readUntilText(cl *nexotest.Conn) string {
	for {
		if typ, data := cl.Read(); typ == websocket.TextMessage {
			return string(data)
		}
	}
}

// TestBufferedAmountAndOnDrain: to a client that does not read, the queue
// grows past OnDrain's low-water mark (half of 256 KiB) and BufferedAmount
// reports it; once the client reads, OnDrain is called with the queue at
// or under the mark, and it may send. With everything read, nothing is
// buffered.
func TestBufferedAmountAndOnDrain(t *testing.T) {
	const chunk, mark = 32 << 10, 128 << 10
	type fill struct {
		sent int
		buf  ws.Buffered
	}
	filled := make(chan fill, 1)
	drained := make(chan ws.Buffered, 1)
	conns := make(chan *ws.Conn, 1)
	onDrain := func(c *ws.Conn) {
		drained <- c.BufferedAmount()
		c.SendText("drained")
	}
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		conns <- c
		if b := c.BufferedAmount(); b != (ws.Buffered{}) {
			return fmt.Errorf("buffered %+v before any send", b)
		}
		pm := ws.NewPreparedMessage(ws.BinaryMessage, make([]byte, chunk))
		sent := 0
		for c.BufferedAmount().Bytes <= mark+chunk {
			if err := c.SendPrepared(pm); err != nil {
				return err
			}
			sent++
		}
		filled <- fill{sent, c.BufferedAmount()}
		_, err := c.Receive() // until the client closes
		return err
	}, ws.WithSendQueueBytes(256<<10), ws.WithOnDrain(0, onDrain))
	cl := stalledDial(s)
	c := <-conns
	f := <-filled
	if f.buf.Bytes <= mark || f.buf.Bytes > f.sent*(chunk+14) || f.buf.Messages > f.sent {
		t.Fatalf("after %d messages of %d bytes, buffered %+v", f.sent, chunk, f.buf)
	}
	for i := range f.sent {
		if b := cl.ReadBytes(); len(b) != chunk {
			t.Fatalf("message %d: %d bytes", i, len(b))
		}
	}
	cl.ExpectText("drained")
	if b := <-drained; b.Bytes > mark {
		t.Fatalf("OnDrain called with %+v buffered, over the mark", b)
	}
	if b := c.BufferedAmount(); b != (ws.Buffered{}) {
		t.Fatalf("buffered %+v once the client has everything", b)
	}
	cl.CloseNormal()
}

// TestSlowConsumerBlock: under SlowConsumerBlock a handler sending 2 MiB
// through a 64 KiB queue to a client that reads slowly waits for room
// instead of closing or dropping: every message arrives, in order.
func TestSlowConsumerBlock(t *testing.T) {
	const n, chunk = 64, 32 << 10
	started := make(chan struct{})
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		close(started)
		b := make([]byte, chunk)
		for i := range n {
			b[0] = byte(i)
			if err := c.SendBytes(b); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		st := c.Stats()
		return c.SendText(fmt.Sprintf("dropped %d, waited %t", st.Dropped, st.Waited > 0))
	}, ws.WithSendQueueBytes(64<<10), ws.WithSlowConsumerPolicy(ws.SlowConsumerBlock))
	cl := stalledDial(s)
	<-started
	for i := range n {
		b := cl.ReadBytes()
		if len(b) != chunk || b[0] != byte(i) {
			t.Fatalf("message %d: %d bytes, first %d", i, len(b), b[0])
		}
	}
	cl.ExpectText("dropped 0, waited true")
	cl.ExpectClose(ws.CloseNormal)
}

// TestSlowConsumerBlockBounded: a client that never reads does not hold a
// blocked send forever: it returns within about WriteTimeout, with
// ErrSendQueueFull or the connection's end.
func TestSlowConsumerBlockBounded(t *testing.T) {
	const timeout = 300 * time.Millisecond
	ended := make(chan error, 1)
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		b := make([]byte, 32<<10)
		var err error
		for err == nil {
			err = c.SendBytes(b)
		}
		ended <- err
		return nil
	}, ws.WithSendQueueBytes(64<<10), ws.WithSlowConsumerPolicy(ws.SlowConsumerBlock), ws.WithWriteTimeout(timeout))
	stalledDial(s)
	select {
	case err := <-ended:
		if !errors.Is(err, ws.ErrSendQueueFull) && !errors.Is(err, ws.ErrClosed) {
			t.Fatalf("send ended with %v", err)
		}
	case <-time.After(10 * timeout):
		t.Fatal("a blocked send still waits after 10 × WriteTimeout")
	}
}

// TestSlowConsumerBlockFanOut: under SlowConsumerBlock, SendPrepared (the
// fan-out path) never waits: on a full queue it drops, counts it, and the
// connection stays open; a direct send then waits until the client reads.
func TestSlowConsumerBlockFanOut(t *testing.T) {
	dropped := make(chan ws.Stats, 1)
	s := stalledServer(t, func(c *ws.Conn) error {
		if err := c.Accept(); err != nil {
			return err
		}
		if err := sendUntilFull(c); err != nil {
			return err
		}
		if c.Closed() {
			return errors.New("closed by a dropped fan-out send")
		}
		dropped <- c.Stats()
		return c.SendText("still open")
	}, ws.WithSendQueueBytes(64<<10), ws.WithSlowConsumerPolicy(ws.SlowConsumerBlock))
	cl := stalledDial(s)
	if st := <-dropped; st.Dropped != 1 || st.Waited != 0 {
		t.Fatalf("stats %+v, want one drop and no wait", st)
	}
	if got := readUntilText(cl); got != "still open" {
		t.Fatalf("got %q", got)
	}
	cl.ExpectClose(ws.CloseNormal)
}
