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

// expiryRetry is how soon the expiry timer looks again at a connection
// still in its handshake, which only its handler may complete.
const expiryRetry = 20 * time.Millisecond

type expiredError struct{}

func (expiredError) Error() string { return "channels: channel expired" }

// Is reports whether target is ws.ErrClosed.
func (expiredError) Is(target error) bool { return target == ws.ErrClosed }

// startExpiry arms the channel's expiry timer. A timer costs no goroutine
// until it fires; the connection's close hook stops it.
func (ch *Channel) startExpiry(ttl time.Duration) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.timer = time.AfterFunc(ttl, func() {
		if ch.expire(false) || ch.ended() {
			return
		}
		ch.mu.Lock()
		ch.timer.Reset(expiryRetry)
		ch.mu.Unlock()
	})
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
// connection is closed with 1001 and ExpiredReason. Closing a connection
// still before its handshake would complete the handshake, so that is done
// only when handshake is set (by the channel's own Send or Receive, which
// would complete it anyway); otherwise expire reports false and leaves the
// close to a later call. It is idempotent.
func (ch *Channel) expire(handshake bool) bool {
	ch.detach()
	if ch.ended() {
		return true
	}
	if !handshake && !ch.c.Accepted() {
		return false
	}
	ch.c.Close(ws.CloseGoingAway, ExpiredReason)
	return true
}

// expiredErr is err, a receive error, marked as expiry when the channel
// has expired.
func (ch *Channel) expiredErr(err error) error {
	if ch.Expired() && errors.Is(err, ws.ErrClosed) && !errors.Is(err, ErrExpired) {
		return fmt.Errorf("%w: %w", ErrExpired, err)
	}
	return err
}
