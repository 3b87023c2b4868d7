//go:build unix

package ws

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// writeNow tries to write f without blocking: one writev on a non-blocking
// socket. It returns the bytes the kernel did not take, copied, or nil when
// all went out.
func (c *Conn) writeNow(f *frame) ([]byte, error) {
	var hdr [maxHeaderLen]byte
	h := appendHeader(hdr[:0], f.op, len(f.payload))
	iov := [2][]byte{h, f.payload}
	total := len(h) + len(f.payload)
	var n int
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.Writev(int(fd), iov[:])
			if werr != syscall.EINTR {
				return true
			}
		}
	})
	if err == nil {
		err = werr
	}
	if errors.Is(err, syscall.EAGAIN) {
		n, err = 0, nil
	}
	if err != nil {
		return nil, err
	}
	if n >= total {
		return nil, nil
	}
	rest := make([]byte, 0, total-n)
	if n < len(h) {
		rest = append(rest, h[n:]...)
		rest = append(rest, f.payload...)
	} else {
		rest = append(rest, f.payload[n-len(h):]...)
	}
	return rest, nil
}
