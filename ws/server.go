package ws

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gorilla/websocket"
)

// Server upgrades requests to WebSocket connections, runs their handlers
// and keeps track of them until they end, so that Shutdown can close them
// all. An App holds one; it can also be used on its own with net/http.
//
// A Server is safe for concurrent use. Create it with NewServer.
type Server struct {
	cfg       Config  // as given to NewServer
	defaults  *Config // cfg with defaults applied, shared by connections
	base      context.Context
	logger    *slog.Logger
	obs       Observer
	writePool websocket.BufferPool
	validate  *validator.Validate
	flush     flushPool

	poolMu    sync.Mutex
	readPools map[int]*sync.Pool // read buffers by size, lent to gated connections

	mu       sync.Mutex
	byID     map[string]*Conn // the live connections
	draining bool
	wg       sync.WaitGroup

	stats serverStats
}

// NewServer returns a Server whose connections derive their context from
// base (context.Background when nil) and use opts as their settings.
func NewServer(base context.Context, opts ...Option) *Server {
	if base == nil {
		base = context.Background()
	}
	cfg := Config{}.with(opts)
	defaults := cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		defaults:  &defaults,
		base:      base,
		logger:    defaults.Logger,
		obs:       defaults.Observer,
		writePool: new(sync.Pool),
		validate:  cfg.validator(),
		flush:     newFlushPool(),
		readPools: make(map[int]*sync.Pool),
		byID:      make(map[string]*Conn),
	}
	context.AfterFunc(base, s.baseEnded)
	return s
}

// Handler returns an http.Handler that upgrades each request and runs h
// on the connection. Requests that are not WebSocket upgrades get 426.
func (s *Server) Handler(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.Serve(w, r, h) })
}

// Serve runs h on a connection made from w and r. It returns as soon as w
// is no longer needed: once the handshake has taken the socket over, or the
// request has been refused. The handler goes on in a goroutine of its own
// until the connection ends (Shutdown waits for it), so that net/http's
// goroutine, its deep stack and its response buffers are not held for the
// life of every connection. r stays valid for Conn.Request; its context
// ends when Serve returns.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, h HandlerFunc) {
	if !websocket.IsWebSocketUpgrade(r) {
		s.refuse(r, RefusedNotWebSocket)
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		http.Error(w, "this endpoint speaks WebSocket", http.StatusUpgradeRequired)
		return
	}
	if s.checkUpgrade(w, r) {
		return
	}
	c := newConn(s, w, r)
	tracked, full := s.track(c)
	if !tracked {
		s.refuse(r, RefusedDraining)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		c.cancel(ErrClosed)
		return
	}
	if full {
		s.refuse(r, RefusedLimit)
		h = refuseFull
	}
	// The origin is checked by Accept, with the connection's settings as
	// middleware left them. The handler must accept or refuse within the
	// handshake timeout, and while the client is there.
	handoff := c.pending.handoff
	go c.serve(h)
	timeout := time.AfterFunc(s.defaults.HandshakeTimeout, c.handshakeTimedOut)
	if call, ok := c.awaitAccept(r.Context(), handoff); ok {
		call.refused, call.err = c.serveHandshake(call.opts)
		handoff <- call
	}
	timeout.Stop()
}

// track registers c unless the server is draining, and reports whether
// it was already at MaxConnections.
func (s *Server) track(c *Conn) (tracked, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false, false
	}
	full = s.cfg.MaxConnections > 0 && len(s.byID) >= s.cfg.MaxConnections
	s.wg.Add(1)
	s.byID[c.id] = c
	return true, full
}

// refuseFull is the handler of a connection over MaxConnections.
func refuseFull(c *Conn) error {
	return c.Close(CloseTryAgainLater, "server at connection limit")
}

func (s *Server) untrack(c *Conn) {
	s.mu.Lock()
	delete(s.byID, c.id)
	s.mu.Unlock()
}

// Conn returns the live connection with the given ID.
func (s *Server) Conn(id string) (*Conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.byID[id]
	return c, ok
}

// Conns returns a snapshot of the live connections.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.byID))
	for _, c := range s.byID {
		out = append(out, c)
	}
	return out
}

// Len returns the number of live connections.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// Stats returns the server's counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{
		Open:          s.Len(),
		Accepted:      s.stats.accepted.Load(),
		Refused:       s.stats.refused.Load(),
		RefusedBy:     s.stats.refusedBy.snapshot(),
		SlowConsumers: s.stats.slow.Load(),
		HandlerErrors: s.stats.handlerErrors.Load(),
		Panics:        s.stats.panics.Load(),
	}
}

// Draining reports whether Shutdown has started.
func (s *Server) Draining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// Shutdown refuses new connections, closes every live one with 1001,
// spreading the closes evenly over window so that clients do not all
// reconnect at the same instant, and waits for their handlers to return.
// When ctx ends first, the remaining sockets are closed at once, the
// upgrade requests not yet accepted are answered 503 with Retry-After (a
// later Accept fails with ErrNotAccepted), and Shutdown returns ctx.Err()
// once their handlers have returned.
func (s *Server) Shutdown(ctx context.Context, window time.Duration) error {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	conns := s.Conns()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()

	stop := make(chan struct{})
	var spread sync.WaitGroup
	spread.Add(1)
	go func() {
		defer spread.Done()
		for i, c := range conns {
			if window > 0 && i > 0 {
				t := time.NewTimer(window / time.Duration(len(conns)))
				select {
				case <-t.C:
				case <-stop:
					t.Stop()
					return
				}
			}
			c.shutdownClose()
		}
	}()
	defer spread.Wait()
	defer close(stop)

	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	for _, c := range s.Conns() {
		// A handshake not made yet is refused now: made later, after
		// Shutdown has returned, nothing would close it. One under way
		// is waited for, then closed with the others.
		c.expire(RefusedDraining, 0)
		c.abort(&CloseError{Code: CloseGoingAway, Reason: "server shutting down"})
	}
	// Sockets are closed; handlers that watch their connection return now.
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	return ctx.Err()
}

// shutdownClose closes a connection for server shutdown, whether or not the
// handshake has happened yet.
func (c *Conn) shutdownClose() {
	if c.state.Load() == stateOpen {
		c.closeWith(CloseGoingAway, "server shutting down", false)
		return
	}
	c.cancel(&CloseError{Code: CloseGoingAway, Reason: "server shutting down"})
}
