package ws

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
)

// Conn is one WebSocket connection, from the upgrade request to the close.
//
// A Conn starts before the handshake: middleware inspects the request and
// may refuse it with Reject (plain HTTP) or Close (the client sees the close
// code). Accept performs the handshake; the first Send or Receive does it
// implicitly, on the caller's goroutine: call them before Accept only from
// the handler. SendPrepared, the path of fan-outs (topics, groups,
// broadcasts), never does: before the handshake it fails with
// ErrNotAccepted. The handler must accept or refuse within the handshake
// timeout (Config.HandshakeTimeout), and while its client is there: then
// the request is refused and the connection's context ends.
//
// # Concurrency
//
// All send methods, Close, Context, Get, Set and the request accessors are
// safe for concurrent use; sends never interleave and never block on the
// network (a full send queue applies the SlowConsumerPolicy; only under
// SlowConsumerBlock does a direct send wait for room in it, bounded by
// WriteTimeout). Receive methods may be called by one goroutine at a time.
type Conn struct {
	// What every send reads comes first, and the writer's hot fields next:
	// see writer.
	state    atomic.Int32
	compress bool
	srv      *Server
	cfg      *Config // shared with the Server until Configure or Accept changes it
	gate     *gate   // in front of gorilla's reader, over TCP, Unix and TLS sockets alike
	ws       *websocket.Conn
	nc       net.Conn
	req      *http.Request // read-only: it rounds the first 64 bytes off, so that w starts a cache line

	w  writer
	r  reader
	hb heartbeat

	id string

	ctx       context.Context
	cancelCtx context.CancelCauseFunc // through cancel, which starts the OnClosing functions

	values []keyValue // guarded by cleanups.mu, a lock held only briefly

	amu     sync.Mutex // guards the handshake
	pending *pending   // until the handshake is done or refused

	closeErr atomic.Pointer[CloseError] // how the connection ended
	force    atomic.Pointer[time.Timer] // closes the socket when the closing handshake stalls
	limits   *limitTimers               // nil without MaxLifetime and IdleTimeout

	stats    connStats
	cleanups cleanups
}

// pending is what a connection holds until its handshake is done or
// refused, apart so that an open connection does not carry it.
type pending struct {
	rw      http.ResponseWriter // nil once the handshake has taken the socket over
	handoff chan handshakeCall  // to and from Serve's goroutine; closed on refusal
}

// limitTimers are the timers of the optional limits; most connections have
// neither, so they are apart.
type limitTimers struct {
	life *time.Timer // MaxLifetime
	idle *time.Timer // IdleTimeout: see idle.go
}

const (
	stateNew int32 = iota
	stateOpen
	stateRejected
)

func newConn(s *Server, w http.ResponseWriter, r *http.Request) *Conn {
	c := &Conn{
		id:      s.cfg.IDPrefix + uuid.NewString(),
		req:     r,
		srv:     s,
		cfg:     &s.cfg,
		pending: &pending{rw: w, handoff: make(chan handshakeCall)},
	}
	c.ctx, c.cancelCtx = context.WithCancelCause(s.base)
	return c
}

// ID returns the connection's unique identifier: a random UUID, after the
// Server's IDPrefix.
func (c *Conn) ID() string { return c.id }

// Request returns the upgrade request. Its context ends with the handshake;
// use Context for the connection's lifetime.
func (c *Conn) Request() *http.Request { return c.req }

// PathParam returns the value of a route parameter, such as "room" for
// the pattern /chat/{room}.
func (c *Conn) PathParam(name string) string { return c.req.PathValue(name) }

// Query returns the parsed query string of the upgrade request.
func (c *Conn) Query() url.Values { return c.req.URL.Query() }

// Header returns the headers of the upgrade request.
func (c *Conn) Header() http.Header { return c.req.Header }

// Cookie returns the named cookie of the upgrade request.
func (c *Conn) Cookie(name string) (*http.Cookie, error) { return c.req.Cookie(name) }

// RemoteAddr returns the network address of the peer as seen on the socket.
func (c *Conn) RemoteAddr() string { return c.req.RemoteAddr }

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string {
	if c.state.Load() != stateOpen {
		return ""
	}
	return c.ws.Subprotocol()
}

// Context returns a context that is cancelled when the connection ends; its
// cause is a *CloseError. It derives from the server's base context, not
// from the upgrade request.
func (c *Conn) Context() context.Context { return c.ctx }

// Done returns a channel that is closed once the connection is fully torn
// down: socket closed, handler returned.
func (c *Conn) Done() <-chan struct{} {
	cl := &c.cleanups
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.doneCh == nil {
		// Made on demand: most connections are never waited for.
		cl.doneCh = make(chan struct{})
		if cl.closed {
			close(cl.doneCh)
		}
	}
	return cl.doneCh
}

// CloseErr returns how the connection ended, or nil while it is open.
func (c *Conn) CloseErr() *CloseError { return c.closeErr.Load() }

// Closed reports whether the connection is closing or closed: a close
// frame was sent or received, the socket failed, or the handshake was
// refused. It is two atomic loads, cheap enough to check before every
// send (a send to a closed connection fails anyway, with the close's
// error). A connection whose handshake has not happened yet is not closed.
func (c *Conn) Closed() bool {
	return c.closeErr.Load() != nil || c.state.Load() == stateRejected
}

// Set stores a value for the connection, typically by middleware for the
// handler (the authenticated user, for example).
func (c *Conn) Set(key string, v any) {
	c.cleanups.mu.Lock()
	defer c.cleanups.mu.Unlock()
	for i := range c.values {
		if c.values[i].key == key {
			c.values[i].v = v
			return
		}
	}
	c.values = append(c.values, keyValue{key, v})
}

// Get returns a value stored with Set.
func (c *Conn) Get(key string) (any, bool) {
	c.cleanups.mu.Lock()
	defer c.cleanups.mu.Unlock()
	for _, kv := range c.values {
		if kv.key == key {
			return kv.v, true
		}
	}
	return nil, false
}

// keyValue is one value stored with Set. A connection holds a handful, so
// a slice searched in order costs less than a map, in memory and time.
type keyValue struct {
	key string
	v   any
}

// Configure changes the connection's settings before the handshake, for
// example a route-specific read limit set by middleware.
func (c *Conn) Configure(opts ...Option) error {
	c.amu.Lock()
	defer c.amu.Unlock()
	if c.state.Load() != stateNew {
		return ErrAlreadyAccepted
	}
	cfg := c.cfg.with(opts)
	c.cfg = &cfg
	return nil
}

// dropRW gives up the ResponseWriter once a refusal has been written,
// which lets Serve return to net/http. The caller holds amu.
func (c *Conn) dropRW() {
	close(c.pending.handoff)
	c.pending = nil
}

// Config returns the connection's settings, defaults applied.
func (c *Conn) Config() Config {
	c.amu.Lock()
	defer c.amu.Unlock()
	return c.cfg.withDefaults()
}
