//go:build unix

package servicetest

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Pause freezes the server (SIGSTOP to its own PID) and waits until it is
// stopped: connections stay open and what clients send waits, unread,
// until Resume. The test's end resumes it.
func (s *Server) Pause() {
	s.t.Helper()
	pid := s.signal(syscall.SIGSTOP)
	s.t.Cleanup(s.Resume)
	deadline := time.Now().Add(time.Second)
	for !stopped(pid) {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s (pid %d) not stopped after SIGSTOP", s.bin, pid)
		}
		time.Sleep(time.Millisecond) // the kernel stops it asynchronously; nothing to wait on
	}
}

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

// signal sends sig to the server and returns its PID (0 when it is not
// running).
func (s *Server) signal(sig syscall.Signal) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	s.cmd.Process.Signal(sig)
	return s.cmd.Process.Pid
}

// stopped reports whether the process is in the stopped state (Linux
// /proc; true where it cannot be told).
func stopped(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: comm may hold spaces, the state follows the
	// last ')'.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return strings.HasPrefix(strings.TrimSpace(rest), "T")
}
