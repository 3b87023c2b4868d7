package ws

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Accept completes the WebSocket handshake. Options change this
// connection's settings, such as the subprotocols offered. Middleware runs
// before Accept, so it can refuse a connection with Reject or Close first.
//
// Accept applies the origin policy of the connection's final settings: the
// App's, as changed by middleware with Configure (middleware.Origin sets a
// route's own allowlist) and by opts. A refused origin still completes the
// handshake, so that the client sees why: the connection is closed with
// 4403 and the reason "origin not allowed", and Accept returns an error
// that wraps that *CloseError (it matches ErrClosed).
//
// Once the connection is accepted, Accept without options returns nil and
// Accept with options returns ErrAlreadyAccepted.
func (c *Conn) Accept(opts ...Option) error {
	refused, err := c.accept(opts)
	if err != nil || !refused {
		return err
	}
	return c.refuseOrigin()
}

// accept performs the handshake and reports whether the origin was refused,
// in which case the connection is open but must be closed with 4403.
func (c *Conn) accept(opts []Option) (refused bool, err error) {
	c.amu.Lock()
	defer c.amu.Unlock()
	switch c.state.Load() {
	case stateOpen:
		if len(opts) == 0 {
			// Accepted already, implicitly (a first send, channels.Join,
			// channels.NewChannel) or by an earlier Accept: nothing asked
			// for differs from what happened.
			return false, nil
		}
		return false, ErrAlreadyAccepted
	case stateRejected:
		return false, ErrNotAccepted
	}
	// The handshake runs on Serve's goroutine, which waits with the
	// ResponseWriter until it is done or the request is refused. It is deep
	// (gorilla's upgrade, net/http's hijack): on the handler's goroutine it
	// would grow the stack, which Go never shrinks back to what a
	// connection waiting for its next message needs. The state is stateNew,
	// so Serve is still waiting.
	c.pending.handoff <- handshakeCall{opts: opts}
	call := <-c.pending.handoff
	c.pending = nil // Serve is done with it and returns
	return call.refused, call.err
}

// handshakeCall carries Accept's options to Serve's goroutine and the
// outcome of the handshake back.
type handshakeCall struct {
	opts    []Option
	refused bool
	err     error
}

// serveHandshake runs the handshake on Serve's goroutine. A panic there
// (in CheckOrigin or an Observer) becomes Accept's error rather than
// leaving the handler waiting: the request is refused with 500 if it was
// not yet upgraded.
func (c *Conn) serveHandshake(opts []Option) (refused bool, err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		c.endUpgrade(false, false)
		c.srv.stats.panics.Add(1)
		c.srv.logger.Error("ws: panic in handshake", "conn", c.id, "path", c.req.URL.Path, "panic", v, "stack", string(debug.Stack()))
		if rw := c.pending.rw; rw != nil {
			c.state.Store(stateRejected)
			c.srv.refuse(c.req, RefusedHandshake)
			http.Error(rw, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			c.pending.rw = nil
		}
		refused, err = false, fmt.Errorf("ws: handshake: panic: %v", v)
	}()
	return c.handshake(opts)
}

// handshake upgrades the connection. It runs on Serve's goroutine, with amu
// held by the caller of accept. Connections whose settings nothing changed
// share the Server's, defaults applied.
func (c *Conn) handshake(opts []Option) (refused bool, err error) {
	cfg := c.srv.defaults
	if c.cfg != &c.srv.cfg || len(opts) > 0 {
		own := c.cfg.with(opts).withDefaults()
		cfg = &own
	}
	refused = !cfg.originAllowed(c.req)
	h := hijacker{ResponseWriter: c.pending.rw}
	h.gate = func(nc net.Conn) net.Conn {
		// raw is nil over TLS: the gate then reads through the TLS
		// connection, and the writer writes through it too.
		c.gate = newGate(c, nc, rawConn(nc), c.srv.readPool(cfg.ReadBuffer))
		return c.gate
	}
	up := websocket.Upgrader{
		HandshakeTimeout:  cfg.HandshakeTimeout,
		ReadBufferSize:    gorillaBuffer,
		Subprotocols:      cfg.Subprotocols,
		EnableCompression: cfg.Compression,
		WriteBufferPool:   c.srv.writePool,
		CheckOrigin:       func(*http.Request) bool { return true }, // checked above, with cfg
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			http.Error(w, http.StatusText(status), status)
		},
	}
	c.beginUpgrade()
	ws, err := up.Upgrade(h, c.req, nil)
	c.pending.rw = nil
	if err != nil {
		c.endUpgrade(false, false)
		c.state.Store(stateRejected)
		c.srv.refuse(c.req, RefusedHandshake)
		return false, fmt.Errorf("ws: handshake: %w: %w", ErrNotAccepted, err)
	}
	c.cfg = cfg
	c.ws = ws
	c.nc = ws.NetConn()
	c.compress = cfg.Compression && offersDeflate(c.req)
	if c.gate != nil {
		c.nc = c.gate.Conn
		// Compressed messages are written through gorilla, and so through
		// the gate; otherwise all gorilla still writes is a close frame.
		c.gate.open = !c.compress
	}
	if c.compress {
		ws.EnableWriteCompression(true)
	}
	// gorilla refuses a frame whose announced length passes the limit
	// before reading it; readAll bounds the inflated size, which is what
	// the limit is about when messages are compressed: on the wire they
	// may then take up to twice the limit (DEFLATE grows data it cannot
	// compress by a few bytes per 64 KiB).
	wire := cfg.ReadLimit
	if c.compress {
		wire = max(2*cfg.ReadLimit, cfg.ReadLimit) // not past MaxInt64
	}
	ws.SetReadLimit(wire)
	ws.SetPingHandler(func(data string) error {
		c.seen()
		c.sendControl(opPong, []byte(data))
		return nil
	})
	ws.SetPongHandler(func(string) error { c.seen(); return nil })
	ws.SetCloseHandler(c.onPeerClose)
	c.seen()
	c.endUpgrade(true, !refused) // a refused origin gets its 4403 and nothing else
	c.srv.stats.accepted.Add(1)
	c.srv.obs.Opened(c)
	if refused {
		c.srv.refuse(c.req, RefusedOrigin)
		return true, nil
	}
	c.hb.start(c)
	if c.srv.Draining() {
		c.closeWith(CloseGoingAway, "server shutting down", false)
	}
	if cfg.IdleTimeout > 0 || cfg.MaxLifetime > 0 {
		c.limits = new(limitTimers)
	}
	c.startIdle()
	if cfg.MaxLifetime > 0 {
		c.limits.life = time.AfterFunc(cfg.MaxLifetime, func() {
			c.closeWith(CloseGoingAway, "maximum connection lifetime reached", false)
		})
	}
	return false, nil
}

// Reject refuses the connection with a plain HTTP status before the
// handshake. Browsers do not show the status to scripts; prefer Close with a
// code when the client should know why.
func (c *Conn) Reject(status int) error {
	c.amu.Lock()
	defer c.amu.Unlock()
	if c.state.Load() != stateNew {
		return ErrAlreadyAccepted
	}
	c.state.Store(stateRejected)
	c.srv.refuse(c.req, RefusedRejected)
	http.Error(c.pending.rw, http.StatusText(status), status)
	c.dropRW()
	c.cancel(fmt.Errorf("%w: HTTP %d", ErrNotAccepted, status))
	return nil
}

// Accepted reports whether the handshake has completed.
func (c *Conn) Accepted() bool { return c.state.Load() == stateOpen }

// offersDeflate reports whether the client offered permessage-deflate, the
// same test gorilla makes when it negotiates compression.
func offersDeflate(r *http.Request) bool {
	for _, h := range r.Header.Values("Sec-WebSocket-Extensions") {
		for ext := range strings.SplitSeq(h, ",") {
			name, _, _ := strings.Cut(ext, ";")
			if strings.EqualFold(strings.TrimSpace(name), "permessage-deflate") {
				return true
			}
		}
	}
	return false
}

// hijacker lets gorilla hijack through any ResponseWriter wrapper that
// implements Unwrap, as http.ResponseController does, and puts a gate in
// front of the socket it hands gorilla, when gate is set.
type hijacker struct {
	http.ResponseWriter
	gate func(net.Conn) net.Conn
}

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err == nil && h.gate != nil {
		nc = h.gate(nc)
	}
	return nc, brw, err
}

// rawConn returns the raw connection of a TCP or Unix socket, or nil
// (always nil where rawSockets is false).
func rawConn(nc net.Conn) syscall.RawConn {
	var raw syscall.RawConn
	if !rawSockets {
		return nil
	}
	switch nc := nc.(type) {
	case *net.TCPConn:
		raw, _ = nc.SyscallConn()
	case *net.UnixConn:
		raw, _ = nc.SyscallConn()
	}
	return raw
}
