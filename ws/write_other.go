//go:build !unix

package ws

import (
	"net"
	"syscall"
)

// rawWriter writes nothing where raw socket writes are not implemented:
// every flush takes the blocking path of writeRaw.
type rawWriter struct{}

func (w *rawWriter) init() {}

func (w *rawWriter) write(syscall.RawConn, net.Buffers) (int, error) { return 0, nil }

// writeNow writes nothing here: it returns the whole frame, which the
// caller queues for the flusher.
func (c *Conn) writeNow(f *frame) ([]byte, error) {
	p := f.bytes()
	rest := appendHeader(make([]byte, 0, maxHeaderLen+len(p)), f.op, len(p))
	return append(rest, p...), nil
}
