package channels

import (
	"errors"
	"fmt"
	"time"

	"github.com/nexogo/nexo/ws"
)

// Expiry ends a channel the same way wherever it is noticed (its timer,
// its own Send or Receive, a Registry's sweep, a group send): the channel
// leaves every group and registry, and its connection is closed with 1001
// (ws.CloseGoingAway) and ExpiredReason. The errors of an expired channel
// match both ErrExpired and ws.ErrClosed, so a receive loop that ends on
// ws.ErrClosed ends, and a handler that returns one is not a failure.

// ErrExpired is returned by the send and receive methods of a channel whose
// time to live has passed. It matches ws.ErrClosed with errors.Is: an
// expired channel has ended.
var ErrExpired error = expiredError{}

// ExpiredReason is the close reason of an expired channel; the code is
// 1001 (ws.CloseGoingAway), which tells nexo's client to reconnect.
const ExpiredReason = "channel expired"

type expiredError struct{}

func (expiredError) Error() string { return "channels: channel expired" }

// Is reports whether target is ws.ErrClosed.
func (expiredError) Is(target error) bool { return target == ws.ErrClosed }

// startExpiry arms the channel's expiry timer. A timer costs no goroutine
// until it fires; the connection's close hook stops it.
func (ch *Channel) startExpiry(ttl time.Duration) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.timer = time.AfterFunc(ttl, ch.expire)
}

// stopExpiry stops the expiry timer, if any.
func (ch *Channel) stopExpiry() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.timer != nil {
		ch.timer.Stop()
	}
}

// expire ends the expired channel: it leaves everything, and its
// connection is closed with 1001 and ExpiredReason. NewChannel accepted the
// connection, so closing it performs no handshake. It is idempotent.
func (ch *Channel) expire() {
	ch.detach()
	if !ch.ended() {
		ch.c.Close(ws.CloseGoingAway, ExpiredReason)
	}
}

// expiredErr is err, a receive error, marked as expiry when the channel
// has expired.
func (ch *Channel) expiredErr(err error) error {
	if ch.Expired() && errors.Is(err, ws.ErrClosed) && !errors.Is(err, ErrExpired) {
		return fmt.Errorf("%w: %w", ErrExpired, err)
	}
	return err
}
