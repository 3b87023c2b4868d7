package middleware

import (
	"context"
	"errors"
	"log/slog"

	"github.com/nexogo/nexo/ws"
)

// ErrInvalidCredentials means credentials were checked and refused. A
// verifier (a VerifyFunc, a SessionStore) says "refused" with an error
// matching it (errors.Is): ErrInvalidToken, ErrNoToken, ErrInvalidSession,
// ErrNoSession and ErrInvalidTicket all do, and so does
// fmt.Errorf("%w: ...", ErrInvalidCredentials). The connection is then
// closed with 4401 and the client re-authenticates.
//
// Any other error means the credentials could not be checked (a database
// down, a timeout): the connection is closed with 1013
// (ws.CloseTryAgainLater) and the reason "authentication unavailable", the
// error is logged at warning level, and the client keeps its credentials
// and retries later.
var ErrInvalidCredentials = errors.New("middleware: invalid credentials")

// credentialError is a refusal sentinel: it matches ErrInvalidCredentials.
type credentialError struct{ msg string }

func (e *credentialError) Error() string { return e.msg }

// Is reports whether target is ErrInvalidCredentials.
func (e *credentialError) Is(target error) bool { return target == ErrInvalidCredentials }

// refusal returns a sentinel error with message msg that matches
// ErrInvalidCredentials.
func refusal(msg string) error { return &credentialError{msg} }

// reasonUnavailable is the close reason of a verifier that failed.
const reasonUnavailable = "authentication unavailable"

// unavailable closes c with 1013 "authentication unavailable" because a
// verifier failed with err, and logs it at warning level: an operator
// problem, not the client's. When the connection had ended first (its
// client left, the handshake timed out, the server is shutting down), a
// verifier that watches its context fails for that reason alone: that is
// logged at debug level, or any client could write a warning into the log
// with each connection attempt it abandons. It returns nil, so that the
// handler's end is not logged a second time.
func unavailable(c *ws.Conn, err error) error {
	level := slog.LevelWarn
	if c.Context().Err() != nil {
		level = slog.LevelDebug
	}
	c.Config().Logger.Log(context.Background(), level, "middleware: authentication unavailable",
		"conn", c.ID(), "path", c.Request().URL.Path, "remote", c.RemoteAddr(), "err", err)
	closeRefused(c, ws.CloseTryAgainLater, reasonUnavailable)
	return nil
}

// refuseOrRetry closes c for a failed verification: 4401 with reason
// when err refuses the credentials, 1013 when the check itself failed.
func refuseOrRetry(c *ws.Conn, reason string, err error) error {
	if errors.Is(err, ErrInvalidCredentials) {
		return unauthorized(c, reason, err)
	}
	return unavailable(c, err)
}
