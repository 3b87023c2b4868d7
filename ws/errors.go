package ws

import (
	"errors"
	"strconv"
)

// Close codes used by nexo. The numbers in the 1000 range are defined by
// RFC 6455; the 4000 range is private to nexo and understood by its client.
const (
	CloseNormal          = 1000 // normal close
	CloseGoingAway       = 1001 // server shutting down, lifetime reached, idle timeout
	CloseProtocolError   = 1002 // the peer broke the WebSocket protocol
	CloseUnsupportedData = 1003 // e.g. binary where only text is accepted
	CloseNoStatus        = 1005 // received close frame carried no code
	CloseAbnormal        = 1006 // connection dropped without a close frame
	CloseInvalidPayload  = 1007 // bad UTF-8 in a text message
	ClosePolicyViolation = 1008 // generic policy violation
	CloseMessageTooBig   = 1009 // message over the read limit
	CloseInternalError   = 1011 // handler error or panic
	CloseTryAgainLater   = 1013 // slow consumer, server at connection limit
	CloseHeartbeat       = 4000 // no pong in time
	CloseUnauthorized    = 4401 // no or invalid credentials
	CloseForbidden       = 4403 // origin or user not allowed
	CloseRateLimited     = 4429 // rate limited
)

// ErrClosed is returned by every operation on a connection that has ended.
// A *CloseError matches it with errors.Is.
var ErrClosed = errors.New("ws: connection closed")

// ErrInvalidCloseCode is returned by Close for a code that RFC 6455 does
// not let a close frame carry: under 1000, 1004, 1006, 1015, 1016–2999,
// and 5000 and over. The connection is closed with 1011 instead.
var ErrInvalidCloseCode = errors.New("ws: close code may not be sent")

// ErrNotAccepted is returned by operations that need the handshake when the
// connection was refused (Reject, the handshake timeout, a client that
// left, a malformed upgrade) and by SendPrepared before the handshake. A
// handler may return it: it is not counted as a handler error.
var ErrNotAccepted = errors.New("ws: connection not accepted")

// ErrAlreadyAccepted is returned by Reject, Configure and Accept with
// options once the handshake has happened. Accept without options is then
// a no-op that returns nil, so a handler may call it after something that
// accepted implicitly (a first send, channels.Join, channels.NewChannel).
var ErrAlreadyAccepted = errors.New("ws: connection already accepted")

// ErrSendQueueFull is returned by a send under the SlowConsumerDrop policy
// when the connection's send queue is full; the message was not queued.
var ErrSendQueueFull = errors.New("ws: send queue full")

// ErrMessageType is returned by ReceiveText when a binary message arrived,
// and by ReceiveBytes when a text message arrived. The message is consumed.
var ErrMessageType = errors.New("ws: unexpected message type")

// CloseError reports how a connection ended: the close code and reason that
// were sent or received. It matches ErrClosed with errors.Is.
type CloseError struct {
	Code   int
	Reason string
	// Remote is true when the peer sent the close frame first.
	Remote bool
}

// Error implements error.
func (e *CloseError) Error() string {
	s := "ws: closed with " + strconv.Itoa(e.Code)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// Is reports whether target is ErrClosed.
func (e *CloseError) Is(target error) bool { return target == ErrClosed }

// CloseStatus returns the close code carried by err, or -1 when err does not
// wrap a *CloseError.
func CloseStatus(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// isNormalEnd reports whether err only says that the connection ended, or
// was refused before its handshake, which a handler may return without it
// being logged as a failure.
func isNormalEnd(err error) bool {
	return err == nil || errors.Is(err, ErrClosed) || errors.Is(err, ErrNotAccepted)
}
