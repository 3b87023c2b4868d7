package middleware

import (
	"fmt"

	"github.com/nexogo/nexo/ws"
)

// MaxMessageSize sets the largest message a route accepts, in bytes after
// decompression, over the App's default (ws.DefaultReadLimit, 1 MiB, or
// what ws.WithReadLimit set). A larger message closes the connection with
// 1009 (ws.CloseMessageTooBig); a frame whose announced length is over the
// limit is refused before its payload is read. The limit may be lower or higher than the default: raise it
// only on routes that need it, behind authentication.
//
// It must run before the handshake (before any middleware that accepts);
// afterwards the connection fails with an error (1011). It panics when n
// is not positive. The returned middleware is safe for concurrent use.
func MaxMessageSize(n int64) ws.Middleware {
	if n <= 0 {
		panic("middleware: MaxMessageSize needs a positive size")
	}
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			if err := c.Configure(ws.WithReadLimit(n)); err != nil {
				return fmt.Errorf("middleware: MaxMessageSize after the handshake: %w", err)
			}
			return next(c)
		}
	}
}
