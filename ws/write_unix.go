//go:build unix

package ws

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawWriter makes one non-blocking write on a raw socket. Its callback is
// built once (init), so a write allocates nothing: a closure capturing the
// buffers and results would escape to the heap on every call.
type rawWriter struct {
	bufs net.Buffers
	n    int
	err  error
	fn   func(fd uintptr) bool
	iov  []unix.Iovec // writev's vector, reused
}

func (w *rawWriter) init() { w.fn = w.do }

// maxIovecs bounds the buffers of one writev (IOV_MAX is 1024 on Linux).
const maxIovecs = 1024

func (w *rawWriter) do(fd uintptr) bool {
	for {
		if len(w.bufs) == 1 {
			w.n, w.err = sysWrite(int(fd), w.bufs[0])
		} else {
			w.n, w.err = sysWritev(int(fd), w.bufs[:min(len(w.bufs), maxIovecs)], &w.iov)
		}
		if w.err != syscall.EINTR {
			return true
		}
	}
}

// write writes what the socket takes of bufs without blocking, and returns
// how much that was: 0 and no error when the socket buffer is full.
func (w *rawWriter) write(raw syscall.RawConn, bufs net.Buffers) (int, error) {
	w.bufs = bufs
	err := raw.Write(w.fn)
	w.bufs = nil
	n := max(w.n, 0)
	if err == nil {
		err = w.err
	}
	w.err = nil
	if errors.Is(err, syscall.EAGAIN) {
		return 0, nil
	}
	return n, err
}

// writeNow tries to write f without blocking: one write on a non-blocking
// socket, of header and payload copied into one buffer when the payload is
// small. It returns the bytes the kernel did not take, copied, or nil when
// all went out.
func (c *Conn) writeNow(f *frame) ([]byte, error) {
	b := batchPool.Get().(*batch)
	defer batchPool.Put(b)
	one := [1]frame{*f}
	b.build(one[:])
	defer b.reset()
	n, err := b.rw.write(c.gate.raw, b.bufs)
	if err != nil {
		return nil, err
	}
	return flatten(consume(b.bufs, n)), nil
}
