package channels_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// pushDial bounds a push endpoint's handshake: it needs no send, so a
// second is ample on a loaded machine.
const pushDial = time.Second

// pushServer serves a push endpoint: its handler makes a channel, registers
// it and waits for the connection to end, never calling Accept, sending or
// receiving. It hands the test each channel and whether its connection was
// accepted when NewChannel returned.
func pushServer(t *testing.T, r *channels.Registry) (*env, <-chan *channels.Channel, <-chan bool) {
	t.Helper()
	got := make(chan *channels.Channel, 4)
	accepted := make(chan bool, 4)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		accepted <- c.Accepted()
		r.Add(ch)
		got <- ch
		<-c.Context().Done()
		return nil
	})
	return e, got, accepted
}

// A push endpoint's client is connected by NewChannel, without waiting for
// a first send.
func TestPushChannelConnectsWithoutSend(t *testing.T) {
	r := channels.NewRegistry()
	e, got, _ := pushServer(t, r)
	c, _, err := e.ts.TryDial("/ws", nexotest.WithTimeout(pushDial))
	if err != nil {
		t.Fatalf("dial of a push endpoint without a send: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	recv(t, got)
}

// A send from another goroutine (a loop over a Registry) never performs a
// channel's handshake: the connection was accepted when NewChannel
// returned, before anything was sent.
func TestPushChannelSendRunsNoHandshake(t *testing.T) {
	r := channels.NewRegistry()
	e, got, accepted := pushServer(t, r)
	dialed := make(chan *nexotest.Conn, 1)
	go func() {
		c, _, err := e.ts.TryDial("/ws", nexotest.WithTimeout(nexotest.DefaultTimeout))
		if err != nil {
			t.Errorf("dial: %v", err)
		}
		dialed <- c
	}()
	if !recv(t, accepted) {
		t.Error("NewChannel returned before the handshake; a later send would perform it on the sender's goroutine")
	}
	recv(t, got)
	for _, ch := range r.All() {
		if err := ch.SendText("pushed"); err != nil {
			t.Fatalf("SendText: %v", err)
		}
	}
	c := recv(t, dialed)
	if c == nil {
		t.FailNow()
	}
	t.Cleanup(func() { c.Close() })
	c.ExpectText("pushed")
}

// When NewChannel's handshake fails (here the origin is refused, so the
// client sees 4403), the channel is ended: no Registry takes it, and its
// sends return the handshake's error.
func TestNewChannelFailedHandshake(t *testing.T) {
	r := channels.NewRegistry()
	errs := make(chan error, 1)
	added := make(chan bool, 1)
	e := serve(t, func(c *ws.Conn) error {
		ch := channels.NewChannel(c, channels.Text)
		added <- r.Add(ch)
		errs <- ch.SendText("never")
		return nil
	}, ws.WithOrigins("https://allowed.example"))
	c := e.dial(nexotest.WithOrigin("https://evil.example"))
	c.ExpectClose(ws.CloseForbidden)
	if recv(t, added) {
		t.Error("a Registry took a channel whose handshake failed")
	}
	if err := recv(t, errs); !errors.Is(err, ws.ErrClosed) {
		t.Errorf("send after a refused handshake = %v, want an error matching ws.ErrClosed", err)
	}
}
