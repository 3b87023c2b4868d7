package nexo

import (
	"log/slog"
	"net/http"
	"time"
)

// The limits of the http.Server that Run and Serve start. WithServer
// changes them.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included: a
	// body that trickles in is cut off. It does not bound the handler, nor
	// a WebSocket (net/http clears the deadline when the upgrade takes the
	// socket over; ws.WithHandshakeTimeout bounds the handshake).
	DefaultReadTimeout = 30 * time.Second
	// DefaultIdleTimeout closes a keep-alive connection that sends no new
	// request for this long.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxHeaderBytes bounds a request's headers; larger ones are
	// refused with 431 (net/http allows 4 KiB of slack above it).
	DefaultMaxHeaderBytes = 64 << 10
)

// newHTTPServer returns the http.Server that serves the App: nexo's
// limits, then the WithServer functions.
func (a *App) newHTTPServer() *http.Server {
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.cfg.logger.Handler(), slog.LevelWarn),
	}
	for _, f := range a.cfg.servers {
		f(srv)
	}
	return srv
}
