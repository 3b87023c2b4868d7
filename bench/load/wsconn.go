package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// wsConn is a minimal RFC 6455 client: the same one for every contender, so
// that the client's cost is equal and small. It writes each message as one
// masked frame with one write call (mask key zero, which the RFC allows the
// server to accept like any other) and reads frames through a bufio.Reader,
// joining continuation frames. It answers pings with pongs. It does not
// offer compression or subprotocols.
//
// One goroutine may read and one other may write at a time.
type wsConn struct {
	mu   sync.Mutex // guards wbuf and writes: pongs go out from the reader
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte
	rbuf []byte
}

var errClosed = errors.New("websocket closed by server")

// dialWS connects to ws://addr+path, binding the local side to local when it
// is not nil (to spread many connections over several loopback addresses),
// reading through a buffer of bufSize bytes.
func dialWS(addr, path string, local net.IP, timeout time.Duration, bufSize int) (*wsConn, error) {
	d := net.Dialer{Timeout: timeout}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(timeout))
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, bufSize)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	nc.SetDeadline(time.Time{})
	return &wsConn{nc: nc, br: br}, nil
}

const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// write sends p as one frame with opcode op.
func (c *wsConn) write(op byte, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.wbuf[:0]
	b = append(b, 0x80|op)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 0, 0, 0, 0) // mask key zero: payload unchanged
	b = append(b, p...)
	c.wbuf = b
	_, err := c.nc.Write(b)
	return err
}

// writeText sends p as a text message.
func (c *wsConn) writeText(p []byte) error { return c.write(opText, p) }

// read returns the next data message. The payload is valid until the next
// call. Pings are answered with pongs from the reading goroutine.
func (c *wsConn) read() (op byte, payload []byte, err error) {
	c.rbuf = c.rbuf[:0]
	var msgOp byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return 0, nil, err
		}
		fin := h[0]&0x80 != 0
		fop := h[0] & 0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var x [2]byte
			if _, err := io.ReadFull(c.br, x[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(x[:]))
		case 127:
			var x [8]byte
			if _, err := io.ReadFull(c.br, x[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(x[:])
		}
		if h[1]&0x80 != 0 {
			return 0, nil, errors.New("masked frame from server")
		}
		if n > 16<<20 {
			return 0, nil, errors.New("frame too large")
		}
		if fop >= opClose { // control frame, never fragmented
			var ctl [125]byte
			if _, err := io.ReadFull(c.br, ctl[:n]); err != nil {
				return 0, nil, err
			}
			switch fop {
			case opClose:
				return 0, nil, errClosed
			case opPing:
				if err := c.write(opPong, ctl[:n]); err != nil {
					return 0, nil, err
				}
			}
			continue
		}
		if fop != opCont {
			msgOp = fop
		}
		start := len(c.rbuf)
		c.rbuf = append(c.rbuf, make([]byte, n)...)
		if _, err := io.ReadFull(c.br, c.rbuf[start:]); err != nil {
			return 0, nil, err
		}
		if fin {
			return msgOp, c.rbuf, nil
		}
	}
}

// Close closes the TCP connection without a closing handshake.
func (c *wsConn) Close() error { return c.nc.Close() }
