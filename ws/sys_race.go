//go:build unix && race

package ws

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Race builds make the socket calls of the hot paths through the standard
// functions, whose race annotations order what goroutines exchange
// through sockets (see sys_raw.go).

func sysRead(fd int, p []byte) (int, error) { return syscall.Read(fd, p) }

func sysWrite(fd int, p []byte) (int, error) { return unix.Write(fd, p) }

func sysWritev(fd int, bufs [][]byte, _ *[]unix.Iovec) (int, error) { return unix.Writev(fd, bufs) }
