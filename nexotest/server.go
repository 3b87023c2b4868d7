package nexotest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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
}

// NewServer starts h on a loopback address. At the end of the test it shuts
// h down (when h is a Shutdowner) and closes the server.
func NewServer(t testing.TB, h http.Handler) *Server {
	t.Helper()
	s := &Server{Server: httptest.NewServer(h), t: t, h: h}
	t.Cleanup(func() { s.Shutdown() })
	return s
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
