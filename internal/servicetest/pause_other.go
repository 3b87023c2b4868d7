//go:build !unix

package servicetest

// Pause skips the test: freezing a server takes SIGSTOP, which only Unix
// systems have.
func (s *Server) Pause() {
	s.t.Helper()
	s.t.Skip("pausing a server (SIGSTOP) needs a Unix system")
}

// Resume does nothing where Pause cannot freeze a server.
func (s *Server) Resume() {}
