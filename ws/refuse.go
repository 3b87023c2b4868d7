package ws

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Reasons given to Observer.Refused and counted in ServerStats.RefusedBy.
const (
	RefusedNotWebSocket = "not_websocket" // not an upgrade request: 426
	RefusedBadRequest   = "bad_request"   // bad method, version or key: 405, 426 or 400
	RefusedDraining     = "draining"      // Shutdown has started: 503
	RefusedLimit        = "limit"         // MaxConnections: close 1013
	RefusedOrigin       = "origin"        // origin not allowed: close 4403
	RefusedRejected     = "rejected"      // Reject, or a handler that returned before accepting
	RefusedHandshake    = "handshake"     // the upgrade itself failed (socket, panic)
	RefusedTimeout      = "timeout"       // no Accept within HandshakeTimeout: 503
	RefusedAbandoned    = "abandoned"     // the client left before Accept
)

// refuse counts an upgrade request that was not served: in the server's
// counters and by the Observer. The refusals ws decides on are logged at
// debug level only, so that a flood of bad requests cannot flood the log;
// those of the application (Reject, a handler that returned before
// accepting) are its own to log (middleware.Logger does). Every refusal
// goes through here.
func (s *Server) refuse(r *http.Request, reason string) {
	s.stats.refused.Add(1)
	s.stats.refusedBy.add(reason)
	s.obs.Refused(r, reason)
	if reason != RefusedRejected {
		s.logger.Debug("ws: upgrade refused", "reason", reason, "path", r.URL.Path, "remote", r.RemoteAddr)
	}
}

// checkUpgrade refuses, in plain HTTP, an upgrade request that no
// handshake could complete, before a connection or a goroutine is made
// for it. It reports whether it refused.
func (s *Server) checkUpgrade(w http.ResponseWriter, r *http.Request) bool {
	status, msg := 0, ""
	switch {
	case r.Method != http.MethodGet:
		status, msg = http.StatusMethodNotAllowed, "an upgrade request must be GET"
		w.Header().Set("Allow", http.MethodGet)
	// The keys in canonical form: Header.Get allocates to canonicalise others.
	case r.Header.Get("Sec-Websocket-Version") != "13":
		// RFC 6455, section 4.2.2: the versions the server speaks.
		status, msg = http.StatusUpgradeRequired, "unsupported WebSocket version"
		w.Header().Set("Sec-WebSocket-Version", "13")
	case !validKey(r.Header.Get("Sec-Websocket-Key")):
		status, msg = http.StatusBadRequest, "missing or invalid Sec-WebSocket-Key"
	default:
		return false
	}
	s.refuse(r, RefusedBadRequest)
	http.Error(w, msg, status)
	return true
}

// validKey reports whether key is the base64 encoding of 16 bytes.
func validKey(key string) bool {
	key = strings.TrimSpace(key)
	if len(key) != 24 {
		return false
	}
	var b [18]byte // 24 characters decode to at most 18 bytes
	n, err := base64.StdEncoding.Decode(b[:], []byte(key))
	return err == nil && n == 16
}

// awaitAccept waits for the handler to accept (Accept's call arrives on
// handoff) or to refuse (handoff is closed). When the client goes away
// first (ctx, the request's context, ends), the request is refused by
// expire, on a goroutine of its own: the handler may hold amu while it
// hands its call over, so the wait for handoff goes on. It watches ctx in
// a select on net/http's goroutine, which waits anyway, rather than with
// context.AfterFunc, which would cost every connection some 500 bytes of
// garbage.
func (c *Conn) awaitAccept(ctx context.Context, handoff chan handshakeCall) (handshakeCall, bool) {
	select {
	case call, ok := <-handoff:
		return call, ok
	case <-ctx.Done():
		go c.expire(RefusedAbandoned, c.srv.defaults.HandshakeTimeout)
		call, ok := <-handoff
		return call, ok
	}
}

// handshakeTimedOut refuses the request of a handler that has neither
// accepted nor refused within the handshake timeout.
func (c *Conn) handshakeTimedOut() { c.expire(RefusedTimeout, c.srv.defaults.HandshakeTimeout) }

// expire refuses the request of a connection that has not been accepted:
// with 503 after the handshake timeout, with 503 and Retry-After when
// Shutdown's deadline has passed (RefusedDraining), with nothing when its
// client has gone. The handler's context ends with an error matching
// ErrNotAccepted, and the connection no longer counts against
// MaxConnections.
func (c *Conn) expire(reason string, d time.Duration) {
	c.amu.Lock()
	defer c.amu.Unlock()
	if c.state.Load() != stateNew || c.pending == nil || c.pending.rw == nil {
		return
	}
	c.state.Store(stateRejected)
	c.srv.refuse(c.req, reason)
	cause := fmt.Errorf("%w: the client left before the handshake", ErrNotAccepted)
	switch reason {
	case RefusedTimeout:
		cause = fmt.Errorf("%w: no handshake within %v", ErrNotAccepted, d)
		http.Error(c.pending.rw, "handshake timeout", http.StatusServiceUnavailable)
	case RefusedDraining:
		cause = fmt.Errorf("%w: server shutting down", ErrNotAccepted)
		c.pending.rw.Header().Set("Retry-After", "1")
		http.Error(c.pending.rw, "server shutting down", http.StatusServiceUnavailable)
	}
	c.dropRW()
	c.cancel(cause)
	c.srv.untrack(c)
}
