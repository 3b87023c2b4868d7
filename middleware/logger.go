package middleware

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/nexogo/nexo/ws"
)

// Logger logs one line at Info level when a connection has ended, with the
// message "ws: connection closed" and these attributes:
//
//	conn       connection ID (c.ID())
//	route      route pattern (/rooms/{id}), or the path when unrouted
//	remote     socket peer (c.RemoteAddr())
//	duration   from the middleware to the end of the teardown
//	accepted   whether the handshake happened
//	code       close code, and reason and by_peer (whether the peer closed
//	reason     first); only for accepted connections
//	by_peer
//	msgs_in, msgs_out, bytes_in, bytes_out   c.Stats(), payload bytes
//
// Put it first (app.UseWS(middleware.Logger(log), ...)) so that the
// connections refused by the guards after it are logged too, origins
// refused with 4403 included. Requests that ws refuses before any
// middleware runs (not an upgrade, a server shutting down) are not logged
// here: they reach the ws.Observer's Refused. A nil l logs to the
// connection's logger (the App's).
//
// The returned middleware is safe for concurrent use.
func Logger(l *slog.Logger) ws.Middleware {
	return func(next ws.HandlerFunc) ws.HandlerFunc {
		return func(c *ws.Conn) error {
			start := time.Now()
			log := l
			if log == nil {
				log = c.Config().Logger
			}
			route := routePattern(c.Request())
			c.AfterClose(func() {
				st := c.Stats()
				attrs := []slog.Attr{
					slog.String("conn", c.ID()),
					slog.String("route", route),
					slog.String("remote", c.RemoteAddr()),
					slog.Duration("duration", time.Since(start)),
					slog.Bool("accepted", c.Accepted()),
				}
				if ce := c.CloseErr(); ce != nil && c.Accepted() {
					attrs = append(attrs,
						slog.Int("code", ce.Code),
						slog.String("reason", ce.Reason),
						slog.Bool("by_peer", ce.Remote))
				}
				attrs = append(attrs,
					slog.Uint64("msgs_in", st.MessagesIn),
					slog.Uint64("msgs_out", st.MessagesOut),
					slog.Uint64("bytes_in", st.BytesIn),
					slog.Uint64("bytes_out", st.BytesOut))
				log.LogAttrs(context.Background(), slog.LevelInfo, "ws: connection closed", attrs...)
			})
			return next(c)
		}
	}
}

// routePattern is the pattern that routed r: r.Pattern (set by chi and
// net/http), chi's route context, or the path.
func routePattern(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return r.URL.Path
}
