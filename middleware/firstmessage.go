package middleware

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/nexogo/nexo/ws"
)

// DefaultAuthDeadline is how long FirstMessageAuth waits for the first
// message when no deadline is given.
const DefaultAuthDeadline = 10 * time.Second

// FirstMessageAuth returns middleware that completes the handshake
// unauthenticated (with opts, passed to c.Accept) and then requires the
// first message to carry a token, within deadline (DefaultAuthDeadline when
// zero or negative). The message is either the bare token or a JSON object
// with a "token" field, such as {"type":"auth","token":"..."}. It is
// consumed: the handler receives the messages that follow.
//
// No message in time closes with 4401 "authentication timeout"; a missing
// or refused token with 4401 "missing token" or "invalid token"; a verify
// that fails otherwise (see ErrInvalidCredentials) with 1013
// "authentication unavailable". The user that verify returns is stored
// under UserKey.
//
// The handler finds the connection accepted: its own c.Accept returns
// ws.ErrAlreadyAccepted, which it may ignore. FirstMessageAuth panics when
// verify is nil.
func FirstMessageAuth(verify VerifyFunc, deadline time.Duration, opts ...ws.Option) ws.Middleware {
	if verify == nil {
		panic("middleware: FirstMessageAuth needs a verify function")
	}
	if deadline <= 0 {
		deadline = DefaultAuthDeadline
	}
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if err := c.Accept(opts...); err != nil {
				return err
			}
			m, err, late := receiveWithin(c, deadline)
			if late {
				return unauthorized(c, reasonTimeout, err)
			}
			if err != nil {
				return err // the client left: the connection has ended
			}
			user, err := verifyUser(c, verify, messageToken(m.Data))
			if err != nil {
				return err
			}
			if user == nil {
				return nil
			}
			c.Set(UserKey, user)
			return next(c)
		}
	}
}

// verifyUser verifies tok and closes c with 4401 when it is refused, 1013
// when it could not be checked; it then returns a nil user and a nil error.
func verifyUser(c *ws.Conn, v VerifyFunc, tok string) (any, error) {
	user, err := verify(c.Context(), v, tok)
	if err == nil {
		return user, nil
	}
	reason := reasonInvalidToken
	if tok == "" {
		reason = reasonMissingToken
	}
	return nil, refuseOrRetry(c, reason, err)
}

// receiveWithin receives one message. When none arrives within d it closes
// the connection with 4401 and reports late; it returns once the receiving
// goroutine has, which is when the peer answers the close or after the
// close timeout.
func receiveWithin(c *ws.Conn, d time.Duration) (m ws.Message, err error, late bool) {
	type result struct {
		m   ws.Message
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := c.Receive()
		ch <- result{m, err}
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.m, r.err, false
	case <-t.C:
	}
	c.Close(ws.CloseUnauthorized, reasonTimeout)
	r := <-ch
	if r.err == nil {
		r.err = ErrNoToken // a message raced the deadline: still too late
	}
	return ws.Message{}, r.err, true
}

// messageToken returns the token carried by a first message: the "token"
// field of a JSON object, or else the whole message without surrounding
// white space.
func messageToken(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		var v struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(data, &v) != nil {
			return ""
		}
		return v.Token
	}
	return string(data)
}
