package middleware

import (
	"github.com/nexogo/nexo/ws"
)

// Close reasons sent with 4401. They are fixed so that nothing the verifier
// says (which may describe the system) reaches the client.
const (
	reasonMissingToken = "missing token"
	reasonInvalidToken = "invalid token"
	reasonTimeout      = "authentication timeout"
	reasonTicket       = "invalid ticket"
	reasonSession      = "no valid session"
)

// unauthorized closes c with 4401 and reason and logs err at debug level.
// The handshake happens first when it has not, so that the client sees the
// code. It returns nil: a refused client is not a handler failure, and
// logging each one as an error would let clients flood the log.
func unauthorized(c *ws.Conn, reason string, err error) error {
	c.Config().Logger.Debug("middleware: unauthorized",
		"conn", c.ID(), "path", c.Request().URL.Path, "remote", c.RemoteAddr(), "reason", reason, "err", err)
	closeRefused(c, ws.CloseUnauthorized, reason)
	return nil
}

// closeRefused closes c with code and reason. When the handshake has not
// happened yet and the client offered AuthProtocol, the handshake answers
// it: a browser that offered ["nexo.auth", token] drops a handshake that
// answers none of its protocols, and would see 1006 instead of the code
// (and retry at once instead of backing off).
func closeRefused(c *ws.Conn, code int, reason string) {
	if !c.Accepted() {
		// ErrAlreadyAccepted cannot happen here but would be harmless:
		// there would be no handshake left to answer.
		_ = c.Configure(answerAuthProtocol(c))
	}
	c.Close(code, reason)
}
