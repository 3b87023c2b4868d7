//go:build unix && (race || !linux)

package ws

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Race builds, and systems other than Linux, make the socket calls of the
// hot paths through the standard functions, whose race annotations order
// what goroutines exchange through sockets (see sys_raw.go).

func sysRead(fd int, p []byte) (int, error) { return syscall.Read(fd, p) }

func sysWrite(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }

// sysWritev writes the first non-empty buffer of bufs: a short write, which
// the caller completes as it does any other.
func sysWritev(fd int, bufs [][]byte, _ *[]unix.Iovec) (int, error) {
	for _, b := range bufs {
		if len(b) > 0 {
			return syscall.Write(fd, b)
		}
	}
	return 0, nil
}
