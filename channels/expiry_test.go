package channels_test

import (
	"bytes"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// expiryTTL is long enough for the test to dial and block in Receive
// before the channel expires, short enough to keep the tests quick.
const expiryTTL = 100 * time.Millisecond

// expectExpiredClose checks that the client sees the close every expiry
// sends: 1001 with the reason "channel expired".
func expectExpiredClose(t *testing.T, e *env) {
	t.Helper()
	c := e.dial()
	if ce := c.ExpectClose(ws.CloseGoingAway); ce.Reason != channels.ExpiredReason {
		t.Fatalf("close reason %q, want %q", ce.Reason, channels.ExpiredReason)
	}
}

// expiryErr checks that an error caused by expiry matches both ErrExpired
// and ws.ErrClosed, so that a loop ending on ws.ErrClosed ends.
func expiryErr(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, channels.ErrExpired) || !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("%s: %v; want an error matching channels.ErrExpired and ws.ErrClosed", what, err)
	}
}

// A Receive blocked when the TTL passes returns at the TTL, without a
// Registry janitor, and the client sees 1001 "channel expired".
func TestExpiryWakesBlockedReceive(t *testing.T) {
	errs := make(chan error, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON, channels.WithTTL(expiryTTL))
		_, err := ch.Receive()
		errs <- err
		return err
	})
	expectExpiredClose(t, e)
	expiryErr(t, "Receive", recv(t, errs))
}

// The documented receive loop (answer bad input with an error frame and
// continue; return on ws.ErrClosed) ends when the channel expires, instead
// of spinning on ErrExpired.
func TestExpiryEndsReceiveLoop(t *testing.T) {
	type result struct {
		err   error
		loops int
	}
	done := make(chan result, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON, channels.WithTTL(expiryTTL))
		for loops := 1; ; loops++ {
			var in struct {
				Text string `json:"text" validate:"required"`
			}
			err := ch.ReceiveJSON(&in)
			if errors.Is(err, ws.ErrClosed) || loops > 1000 {
				done <- result{err, loops}
				return err
			}
			if err != nil {
				c.SendError(err)
				continue
			}
		}
	})
	c := e.dial()
	c.SendText("{") // answered with an error frame before the TTL
	var f ws.ErrorFrame
	c.ReadJSON(&f)
	if f.Error != "invalid_json" {
		t.Fatalf("error frame %+v", f)
	}
	if ce := c.ExpectClose(ws.CloseGoingAway); ce.Reason != channels.ExpiredReason {
		t.Fatalf("close reason %q", ce.Reason)
	}
	r := recv(t, done)
	if r.loops > 2 {
		t.Fatalf("the loop ran %d times after expiry (err %v)", r.loops, r.err)
	}
	expiryErr(t, "ReceiveJSON", r.err)
}

// levels records the levels of the log records it gets.
type levels struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func newLevels() levels { return levels{&sync.Mutex{}, &bytes.Buffer{}} }

func (l levels) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l levels) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// A handler that returns the error of a send on an expired channel ends the
// connection as expiry does (1001 "channel expired"), and nothing is logged
// as an error or counted as a handler failure.
func TestExpiryReturnedFromHandler(t *testing.T) {
	logs := newLevels()
	errs := make(chan error, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.JSON, channels.WithTTL(time.Nanosecond))
		for !ch.Expired() {
			runtime.Gosched() // at most a nanosecond
		}
		err := ch.Send("too late")
		errs <- err
		return err
	}, ws.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	expectExpiredClose(t, e)
	expiryErr(t, "Send", recv(t, errs))
	if n := e.srv.Stats().HandlerErrors; n != 0 {
		t.Errorf("%d handler errors counted", n)
	}
	if s := logs.String(); strings.Contains(s, "level=ERROR") {
		t.Errorf("logged as an error:\n%s", s)
	}
}

// A push endpoint's channel (the handler neither sends nor receives) is
// accepted by NewChannel and closed by its own timer when it expires; the
// close performs no handshake, since there is none left to perform.
func TestExpiryOfPushChannel(t *testing.T) {
	made := make(chan bool, 1)
	e := serve(t, func(c *ws.Conn) error {
		channels.NewChannel(c, channels.JSON, channels.WithTTL(time.Millisecond))
		made <- c.Accepted()
		<-c.Context().Done()
		return nil
	})
	expectExpiredClose(t, e)
	if !recv(t, made) {
		t.Fatal("NewChannel did not accept")
	}
}
