package channels

import (
	"fmt"
	"time"

	"github.com/nexogo/nexo/ws"
)

// NewChannel usually completes the handshake, and the handler's goroutine
// waits for it there (ws runs the handshake on net/http's goroutine). An
// idle connection keeps whatever stack its handler's goroutine grew to
// before its first wait: Go never shrinks it back while the goroutine
// waits in Receive. So NewChannel waits as shallow as a handler calling
// c.Accept itself: it is two calls around the handshake, and the work
// before and after it is done in functions that have returned by the
// time it waits (go:noinline keeps their frames out of NewChannel's).

// newChannel makes the channel and arranges what must precede the
// handshake: the rate limit's message filter and the close hook.
//
//go:noinline
func newChannel(c *ws.Conn, t PayloadType, opts []ChannelOption) *Channel {
	if !t.valid() {
		panic(fmt.Sprintf("channels: NewChannel with invalid payload type %d", int(t)))
	}
	ch := &Channel{c: c, id: newID(), typ: t, created: time.Now()}
	for _, o := range opts {
		o(&ch.cfg)
	}
	if ch.cfg.rate != nil {
		ch.limitRate()
	}
	// The close hook makes leaving complete before Done is closed; see
	// armLeave for leaving earlier.
	c.AfterClose(ch.closed)
	return ch
}

// limitRate installs the rate limit's message filter, or falls back to
// checks inside Receive when the handler has accepted already.
//
//go:noinline
func (ch *Channel) limitRate() {
	rl := ch.cfg.rate
	if err := ch.c.Configure(ws.WithMessageFilter(rl.filter())); err != nil {
		ch.bucket = rl.newBucket()
	}
}

// closed is the channel's close hook.
func (ch *Channel) closed() {
	ch.stopExpiry()
	ch.detach()
}

// opened completes NewChannel once the handshake has returned err (nil
// when the handler had accepted already): a failed handshake ends the
// channel; otherwise its time to live starts.
//
//go:noinline
func (ch *Channel) opened(err error) {
	if err != nil {
		ch.acceptErr = err
		ch.detach()
		return
	}
	if ch.cfg.ttl > 0 {
		ch.startExpiry(ch.cfg.ttl)
	}
}
