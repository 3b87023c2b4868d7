//go:build linux && !race

package ws

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The socket calls of the hot paths go to the kernel as recvfrom(2),
// sendto(2) and sendmsg(2), which skip the file layer that read(2),
// write(2) and writev(2) pass through on a socket, and without the runtime's system-call bookkeeping
// (entersyscall and exitsyscall). Every socket nexo calls them on is
// non-blocking (the net package made it so), so a call never sleeps in
// the kernel, which is what that bookkeeping is for: on a loopback socket
// a write runs the receiver's TCP input in the same call, long enough
// for the runtime's monitor to take the P away and wake another thread,
// a context switch per write or so under a fan-out. Race builds use the
// standard calls instead, as other systems do (sys_race.go), whose race annotations order
// what goroutines exchange through sockets.

// sysRead reads from the non-blocking socket fd into p (recvfrom).
func sysRead(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// sysWrite writes p to the non-blocking socket fd (sendto).
func sysWrite(fd int, p []byte) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// sysWritev writes bufs to the non-blocking socket fd in one call
// (sendmsg), laying their iovecs out in *iov, which it reuses.
func sysWritev(fd int, bufs [][]byte, iov *[]unix.Iovec) (int, error) {
	v := (*iov)[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		e := unix.Iovec{Base: &b[0]}
		e.SetLen(len(b))
		v = append(v, e)
	}
	*iov = v
	if len(v) == 0 {
		return 0, nil
	}
	msg := unix.Msghdr{Iov: &v[0]}
	msg.SetIovlen(len(v))
	n, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL)
	clear(v) // drop the references to the buffers
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
