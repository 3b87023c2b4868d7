package ws_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo/ws"
)

// rawClient speaks WebSocket frame by frame, to send what a well-behaved
// client library never would.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, url string, extensions string) *rawClient {
	t.Helper()
	addr := strings.TrimPrefix(url, "http://")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	if extensions != "" {
		req += "Sec-WebSocket-Extensions: " + extensions + "\r\n"
	}
	if _, err := io.WriteString(nc, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return &rawClient{t: t, nc: nc, br: br}
}

// frame writes one masked client frame: b0 is FIN|RSV|opcode.
func (c *rawClient) frame(b0 byte, payload []byte) {
	c.frameMask(b0, payload, true)
}

func (c *rawClient) frameMask(b0 byte, payload []byte, mask bool) {
	var b []byte
	b = append(b, b0)
	mbit := byte(0)
	if mask {
		mbit = 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, mbit|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, mbit|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, mbit|127), uint64(n))
	}
	p := append([]byte(nil), payload...)
	if mask {
		key := [4]byte{1, 2, 3, 4}
		b = append(b, key[:]...)
		for i := range p {
			p[i] ^= key[i%4]
		}
	}
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.nc.Write(append(b, p...))
}

// read returns the next server frame.
func (c *rawClient) read() (b0 byte, payload []byte, err error) {
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var h [2]byte
	if _, err = io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	if h[1]&0x80 != 0 {
		c.t.Fatalf("server frame is masked")
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(c.br, l[:])
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(c.br, l[:])
		n = binary.BigEndian.Uint64(l[:])
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(c.br, payload)
	return h[0], payload, err
}

// expectClose reads until a close frame and returns its code (1005 when
// it has none).
func (c *rawClient) expectClose(want int) {
	c.t.Helper()
	for {
		b0, p, err := c.read()
		if err != nil {
			c.t.Fatalf("want close %d, got %v", want, err)
		}
		if b0&0x0f != 8 {
			continue
		}
		code := 1005
		if len(p) >= 2 {
			code = int(binary.BigEndian.Uint16(p))
		}
		if code != want {
			c.t.Fatalf("got close %d (%q), want %d", code, p[min(2, len(p)):], want)
		}
		return
	}
}

// expectEcho reads one data frame and checks it.
func (c *rawClient) expectEcho(op byte, payload []byte) {
	c.t.Helper()
	b0, p, err := c.read()
	if err != nil {
		c.t.Fatal(err)
	}
	if b0 != 0x80|op || !bytes.Equal(p, payload) {
		c.t.Fatalf("got frame %#x with %d bytes, want %#x with %d", b0, len(p), 0x80|op, len(payload))
	}
}

const (
	fin    = 0x80
	rsv1   = 0x40
	opCont = 0
	opText = 1
	opBin  = 2
	opCls  = 8
	opPing = 9
	opPong = 10
)

func closeBody(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// TestProtocolAutobahn covers the Autobahn test-suite categories with raw
// frames: framing, reserved bits and opcodes, control frames,
// fragmentation, UTF-8, close codes, limits and masking.
func TestProtocolAutobahn(t *testing.T) {
	ended := make(chan error, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		err := echo(c)
		select {
		case ended <- err:
		default:
		}
		return err
	}, ws.WithReadLimit(1<<20), ws.WithCloseTimeout(time.Second))

	type step func(c *rawClient)
	cases := []struct {
		name string
		run  step
	}{
		{"framing lengths", func(c *rawClient) {
			for _, n := range []int{0, 125, 126, 65535, 65536} {
				p := bytes.Repeat([]byte("a"), n)
				c.frame(fin|opText, p)
				c.expectEcho(opText, p)
				c.frame(fin|opBin, p)
				c.expectEcho(opBin, p)
			}
			c.frame(fin|opCls, closeBody(1000, ""))
			c.expectClose(1000)
		}},
		{"rsv1 without extension", func(c *rawClient) { c.frame(fin|rsv1|opText, []byte("x")); c.expectClose(1002) }},
		{"rsv2", func(c *rawClient) { c.frame(fin|0x20|opText, []byte("x")); c.expectClose(1002) }},
		{"rsv3", func(c *rawClient) { c.frame(fin|0x10|opText, []byte("x")); c.expectClose(1002) }},
		{"reserved data opcode", func(c *rawClient) { c.frame(fin|3, nil); c.expectClose(1002) }},
		{"reserved control opcode", func(c *rawClient) { c.frame(fin|11, nil); c.expectClose(1002) }},
		{"ping echoed as pong", func(c *rawClient) {
			c.frame(fin|opPing, []byte("hello"))
			c.expectEcho(opPong, []byte("hello"))
			c.frame(fin|opCls, closeBody(1000, ""))
			c.expectClose(1000)
		}},
		{"ping inside a fragmented message", func(c *rawClient) {
			c.frame(opText, []byte("frag"))
			c.frame(fin|opPing, []byte("p"))
			c.expectEcho(opPong, []byte("p"))
			c.frame(fin|opCont, []byte("ment"))
			c.expectEcho(opText, []byte("fragment"))
		}},
		{"unsolicited pong ignored", func(c *rawClient) {
			c.frame(fin|opPong, []byte("?"))
			c.frame(fin|opText, []byte("still here"))
			c.expectEcho(opText, []byte("still here"))
		}},
		{"control frame too long", func(c *rawClient) { c.frame(fin|opPing, bytes.Repeat([]byte("x"), 126)); c.expectClose(1002) }},
		{"fragmented control frame", func(c *rawClient) { c.frame(opPing, []byte("x")); c.expectClose(1002) }},
		{"many fragments", func(c *rawClient) {
			c.frame(opText, []byte("a"))
			for range 10 {
				c.frame(opCont, []byte("b"))
			}
			c.frame(fin|opCont, []byte("c"))
			c.expectEcho(opText, []byte("abbbbbbbbbbc"))
		}},
		{"continuation without start", func(c *rawClient) { c.frame(fin|opCont, []byte("x")); c.expectClose(1002) }},
		{"new message inside a fragmented one", func(c *rawClient) {
			c.frame(opText, []byte("a"))
			c.frame(fin|opText, []byte("b"))
			c.expectClose(1002)
		}},
		{"valid multi-byte UTF-8", func(c *rawClient) {
			p := []byte("κόσμε 𝄞 €")
			c.frame(fin|opText, p)
			c.expectEcho(opText, p)
		}},
		{"invalid UTF-8", func(c *rawClient) { c.frame(fin|opText, []byte{0xce, 0xba, 0xff}); c.expectClose(1007) }},
		{"overlong UTF-8", func(c *rawClient) { c.frame(fin|opText, []byte{0xc0, 0xaf}); c.expectClose(1007) }},
		{"UTF-16 surrogate", func(c *rawClient) { c.frame(fin|opText, []byte{0xed, 0xa0, 0x80}); c.expectClose(1007) }},
		{"truncated UTF-8", func(c *rawClient) { c.frame(fin|opText, []byte{'a', 0xe2, 0x82}); c.expectClose(1007) }},
		{"invalid UTF-8 across fragments", func(c *rawClient) {
			c.frame(opText, []byte{'o', 0xe2})
			c.frame(fin|opCont, []byte{0x28, 0xa1})
			c.expectClose(1007)
		}},
		{"empty close answered", func(c *rawClient) { c.frame(fin|opCls, nil); c.expectClose(1005) }},
		// gorilla reads a 1-byte close body as "no status"; the gate in
		// front of it fails the frame with 1002, as Autobahn 7.3.2 expects.
		{"close 1-byte body", func(c *rawClient) { c.frame(fin|opCls, []byte{3}); c.expectClose(1002) }},
		// gorilla fails an invalid close reason with 1002 (Autobahn
		// 7.5.1 accepts failing the connection).
		{"close reason not UTF-8", func(c *rawClient) { c.frame(fin|opCls, append(closeBody(1000, ""), 0xff)); c.expectClose(1002) }},
		{"unmasked client frame", func(c *rawClient) { c.frameMask(fin|opText, []byte("x"), false); c.expectClose(1002) }},
		{"frame over the read limit", func(c *rawClient) {
			// Announce 1 GiB, send only a little: the server must not wait
			// for (or buffer) the rest.
			var b []byte
			b = binary.BigEndian.AppendUint64(append(b, fin|opBin, 0x80|127), 1<<30)
			b = append(b, 1, 2, 3, 4)
			c.nc.Write(append(b, make([]byte, 64<<10)...))
			c.expectClose(1009)
		}},
	}
	for _, code := range []int{1000, 1001, 3000, 4999} {
		cases = append(cases, struct {
			name string
			run  step
		}{fmt.Sprintf("close %d echoed", code), func(c *rawClient) {
			c.frame(fin|opCls, closeBody(code, "bye"))
			c.expectClose(code)
		}})
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000} {
		cases = append(cases, struct {
			name string
			run  step
		}{fmt.Sprintf("invalid close code %d", code), func(c *rawClient) {
			c.frame(fin|opCls, closeBody(code, ""))
			c.expectClose(1002)
		}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for len(ended) > 0 {
				<-ended
			}
			c := dialRaw(t, s.URL, "")
			tc.run(c)
			c.nc.Close()
			select {
			case <-ended: // the handler saw the connection end
			case <-time.After(5 * time.Second):
				t.Fatal("handler did not return")
			}
		})
	}
}

// TestProtocolDeflateBomb: with permessage-deflate negotiated, the read
// limit bounds the inflated size.
func TestProtocolDeflateBomb(t *testing.T) {
	s, _ := serve(t, echo, ws.WithReadLimit(64<<10), ws.WithCompression())
	c := dialRaw(t, s.URL, "permessage-deflate")
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(make([]byte, 16<<20)) // 16 MiB of zeros
	fw.Flush()
	p := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	if len(p) > 64<<10 {
		t.Fatalf("compressed payload %d bytes: not a bomb", len(p))
	}
	c.frame(fin|rsv1|opBin, p)
	c.expectClose(1009)
}
