package nexotest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Shutdowner is implemented by handlers with a graceful shutdown, such as
// *nexo.App.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// Server is a handler served on a loopback httptest server.
type Server struct {
	*httptest.Server
	t testing.TB
	h http.Handler

	mu      sync.Mutex
	clients map[*Conn]struct{} // dialed and not closed by the test
}

// ServerOption changes how NewServer serves.
type ServerOption func(*serverConfig)

type serverConfig struct {
	sndBuf int
	tls    bool
}

// WithSendBuffer shrinks the send buffer of every accepted socket, so that
// a client that stops reading stalls the server's writes quickly instead of
// after megabytes of kernel buffering.
func WithSendBuffer(bytes int) ServerOption { return func(c *serverConfig) { c.sndBuf = bytes } }

// WithTLS serves over TLS, with httptest's certificate: URL is then an
// https:// URL, and Client(), Dial and TryDial trust the certificate (its
// transport's TLSClientConfig is the one to dial with).
func WithTLS() ServerOption { return func(c *serverConfig) { c.tls = true } }

// NewServer starts h on a loopback address. At the end of the test it
// closes the clients dialed with Dial or TryDial that are still open
// (without waiting for the server's answer), then shuts h down (when h is a
// Shutdowner) and closes the server: a test that leaves a client open does
// not wait for the server's close timeout.
func NewServer(t testing.TB, h http.Handler, opts ...ServerOption) *Server {
	t.Helper()
	var cfg serverConfig
	for _, o := range opts {
		o(&cfg)
	}
	hs := httptest.NewUnstartedServer(h)
	if cfg.sndBuf > 0 {
		hs.Listener = sendBufferListener{hs.Listener, cfg.sndBuf}
	}
	if cfg.tls {
		hs.StartTLS()
	} else {
		hs.Start()
	}
	s := &Server{Server: hs, t: t, h: h}
	t.Cleanup(func() {
		s.closeClients()
		s.Shutdown()
	})
	return s
}

type sendBufferListener struct {
	net.Listener
	size int
}

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(l.size)
	}
	return c, err
}

// Shutdown shuts the handler down, as the end of the test would, and closes
// the listener. It returns the handler's shutdown error.
func (s *Server) Shutdown() error {
	var err error
	if sd, ok := s.h.(Shutdowner); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = sd.Shutdown(ctx)
	}
	s.Server.Close()
	return err
}

// WSURL returns the ws:// URL of path on the server.
func (s *Server) WSURL(path string) string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + path
}

// track remembers c, to close it at the end of the test.
func (s *Server) track(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients == nil {
		s.clients = make(map[*Conn]struct{})
	}
	s.clients[c] = struct{}{}
}

// untrack forgets c, closed by the test.
func (s *Server) untrack(c *Conn) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
}

// closeClients closes the clients still open: each sends a close frame
// (1001, "test ended"), so that the server ends the connection as a normal
// close rather than a broken one, and closes its socket at once, so that
// the server's Shutdown does not wait for an answer no test will read.
func (s *Server) closeClients() {
	s.mu.Lock()
	clients := s.clients
	s.clients = nil
	s.mu.Unlock()
	for c := range clients {
		c.abandon()
	}
}
