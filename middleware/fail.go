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
	c.Close(ws.CloseUnauthorized, reason)
	return nil
}
