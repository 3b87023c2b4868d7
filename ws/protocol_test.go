package ws_test

// Protocol conformance tests, by Autobahn test-suite category: a raw-frame
// client (rawclient_test.go) talks to an echo handler over a real socket
// and checks the frames the server answers with, its close code, and what
// the handler saw.
//
// A case whose behaviour departs from RFC 6455 / RFC 7692 (or from
// Autobahn's expectation) in a way that is not acceptable has its limit
// field set: the expected assertion is kept, and when the observed
// behaviour differs the case is skipped with "known limit: ..." and what
// was observed, so that it turns into a pass once ws is fixed.

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nexogo/nexo/nexotest"
	"github.com/nexogo/nexo/ws"
)

// protoCase is one conformance case.
type protoCase struct {
	name string
	// opts are server options added to protoDefaults.
	opts []ws.Option
	// sopts are test-server options (e.g. a small socket send buffer).
	sopts []nexotest.ServerOption
	// ext is offered as Sec-WebSocket-Extensions.
	ext string
	// run sends frames and reads the answers it expects before the close.
	run func(c *wireConn)
	// close is the code the client must read in the server's close frame
	// (1005: an empty close frame). Zero: after run, the client closes with
	// 1000 and expects 1000 back.
	close int
	// alsoOK lists other close codes that are acceptable answers.
	alsoOK []int
	// handler is what ws.CloseStatus returns for the error that ended the
	// handler's Receive loop. Zero: the same as close (1000 when close is 0).
	handler int
	// afterClose runs once the server's close frame has been read, before
	// the client answers it.
	afterClose func(c *wireConn)
	// closes says that run sends a close frame itself: the client does not
	// answer the server's close frame.
	closes bool
	// limit, when set, describes a known deviation: a mismatch skips the
	// case instead of failing it.
	limit string
}

// protoDefaults keep the tests deterministic: no heartbeat pings in the
// middle of the frames a case expects, and a short closing handshake.
func protoDefaults() []ws.Option {
	return []ws.Option{
		ws.WithHeartbeat(-1, 0),
		ws.WithCloseTimeout(2 * time.Second),
		ws.WithLogger(discard()),
	}
}

// runProto runs every case as a parallel subtest, each against its own
// server.
func runProto(t *testing.T, cases []protoCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runProtoCase(t, tc)
		})
	}
}

func runProtoCase(t *testing.T, tc protoCase) {
	ended := make(chan error, 1)
	s, _ := serveWith(t, tc.sopts, func(c *ws.Conn) error {
		err := echo(c)
		ended <- err
		return err
	}, append(protoDefaults(), tc.opts...)...)
	c := dialWire(t, s.URL, "/ws", tc.ext)
	if tc.ext != "" && !c.deflate {
		t.Fatalf("permessage-deflate not negotiated (server answered %q)", c.extResp)
	}

	// Deviations are collected, so that a known-limit case records all it
	// observed before it is skipped.
	var issues []string
	report := func() {
		t.Helper()
		if len(issues) == 0 {
			return
		}
		msg := strings.Join(issues, "; ")
		if tc.limit != "" {
			t.Skipf("known limit: %s\nobserved: %s", tc.limit, msg)
		}
		t.Fatal(msg)
	}
	c.onFail = func(msg string) {
		issues = append(issues, msg)
		report()
	}

	if tc.run != nil {
		tc.run(c)
	}
	want, clientClosed := tc.close, false
	if want == 0 {
		c.send(wFin|wClose, closePayloadOf(1000, "done"))
		want, clientClosed = 1000, true
	}
	got := c.readClose()
	if len(got.extra) > 0 {
		issues = append(issues, fmt.Sprintf("unexpected frames before the close frame: %v", got.extra))
	}
	okClose := got.code == want || slices.Contains(tc.alsoOK, got.code)
	switch {
	case okClose:
	case got.code == -1:
		issues = append(issues, fmt.Sprintf("want close %d, got no close frame (%v)", want, got.err))
	default:
		issues = append(issues, fmt.Sprintf("got close %d %q, want %d", got.code, got.reason, want))
	}
	if tc.afterClose != nil {
		tc.afterClose(c)
	}
	if got.code > 0 && !clientClosed && !tc.closes {
		// Complete the closing handshake the server started, as a client
		// does: echo its code.
		if got.code == 1005 {
			c.send(wFin|wClose, nil)
		} else {
			c.send(wFin|wClose, closePayloadOf(got.code, ""))
		}
	}
	if got.code != -1 {
		c.expectEOF()
	} else {
		c.nc.Close() // let the handler see the end
	}

	wantHandler := tc.handler
	if wantHandler == 0 {
		wantHandler = want
		if okClose {
			wantHandler = got.code
		}
	}
	select {
	case err := <-ended:
		if code := ws.CloseStatus(err); code != wantHandler {
			issues = append(issues, fmt.Sprintf("handler saw %v (status %d), want status %d", err, code, wantHandler))
		}
	case <-time.After(2 * wireTimeout):
		issues = append(issues, "the handler did not see the connection end")
	}
	report()
}

// pattern returns n bytes of a repeating pattern: printable ASCII for text,
// every byte value for binary.
func pattern(n int, text bool) []byte {
	b := make([]byte, n)
	for i := range b {
		if text {
			b[i] = byte('!' + i%94)
		} else {
			b[i] = byte(i * 7)
		}
	}
	return b
}

// 1. Framing (Autobahn 1.x): echo of every length encoding.
func TestProtocolFraming(t *testing.T) {
	var cases []protoCase
	for _, n := range []int{0, 125, 126, 127, 65535, 65536, 1 << 20} {
		for _, op := range []byte{wText, wBin} {
			name := fmt.Sprintf("%s %d bytes", map[byte]string{wText: "text", wBin: "binary"}[op], n)
			wantForm := 7
			switch {
			case n > 0xffff:
				wantForm = 64
			case n > 125:
				wantForm = 16
			}
			cases = append(cases, protoCase{name: name, run: func(c *wireConn) {
				p := pattern(n, op == wText)
				c.send(wFin|op, p)
				f, err := c.readFrame()
				if err != nil {
					c.fatalf("no echo: %v", err)
				}
				c.checkServerFrame(f, true)
				if f.b0 != wFin|op || f.lenForm != wantForm || !bytes.Equal(f.payload, p) {
					c.fatalf("echo %v with a %d-bit length, want a final op %d frame of %d bytes with a %d-bit length",
						f, f.lenForm, op, n, wantForm)
				}
			}})
		}
	}
	cases = append(cases,
		protoCase{name: "several frames in one write", run: func(c *wireConn) {
			var b []byte
			for i := range 5 {
				b = append(b, c.encodeFrame(wFin|wText, fmt.Appendf(nil, "message %d", i), false)...)
			}
			c.writeRaw(b)
			for i := range 5 {
				c.expect(wText, fmt.Appendf(nil, "message %d", i))
			}
		}},
		protoCase{name: "frame written byte by byte", run: func(c *wireConn) {
			for _, b := range c.encodeFrame(wFin|wText, []byte("slowly"), false) {
				c.writeRaw([]byte{b})
			}
			c.expect(wText, []byte("slowly"))
		}},
		protoCase{
			// RFC 6455 5.2: the most significant bit of a 64-bit length
			// MUST be 0.
			name: "64-bit length with the most significant bit set",
			run: func(c *wireConn) {
				b := binary.BigEndian.AppendUint64([]byte{wFin | wBin, 0x80 | 127}, 1<<63|5)
				c.writeRaw(append(b, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'))
			},
			close: 1002,
		},
	)
	runProto(t, cases)
}

// 2. Reserved bits (Autobahn 3.x).
func TestProtocolReservedBits(t *testing.T) {
	cases := []protoCase{
		{name: "RSV1 on text without extension", run: func(c *wireConn) { c.send(wFin|wRsv1|wText, []byte("x")) }, close: 1002},
		{name: "RSV2 on text", run: func(c *wireConn) { c.send(wFin|wRsv2|wText, []byte("x")) }, close: 1002},
		{name: "RSV3 on text", run: func(c *wireConn) { c.send(wFin|wRsv3|wText, []byte("x")) }, close: 1002},
		{name: "RSV1+RSV2 on binary", run: func(c *wireConn) { c.send(wFin|wRsv1|wRsv2|wBin, []byte{0}) }, close: 1002},
		{name: "RSV1+RSV2+RSV3 on ping", run: func(c *wireConn) { c.send(wFin|wRsv1|wRsv2|wRsv3|wPing, []byte("p")) }, close: 1002},
		{name: "RSV2 on close", run: func(c *wireConn) { c.send(wFin|wRsv2|wClose, closePayloadOf(1000, "")) }, close: 1002},
		{name: "RSV3 on continuation", run: func(c *wireConn) {
			c.send(wText, []byte("a"))
			c.send(wFin|wRsv3|wCont, []byte("b"))
		}, close: 1002},
		{name: "RSV bits after a valid echo", run: func(c *wireConn) {
			c.send(wFin|wText, []byte("hello"))
			c.expect(wText, []byte("hello"))
			c.send(wFin|wRsv2|wText, []byte("x"))
		}, close: 1002},
		// With permessage-deflate negotiated, RSV1 is only allowed on the
		// first frame of a data message (RFC 7692, section 6).
		{name: "deflate: RSV2 on a compressed message", ext: "permessage-deflate", opts: []ws.Option{ws.WithCompression()},
			run: func(c *wireConn) { c.send(wFin|wRsv1|wRsv2|wText, deflateMessage(c.t, []byte("x"))) }, close: 1002},
		{name: "deflate: RSV1 on ping", ext: "permessage-deflate", opts: []ws.Option{ws.WithCompression()},
			run:   func(c *wireConn) { c.send(wFin|wRsv1|wPing, []byte("p")) },
			close: 1002,
		},
		{name: "deflate: RSV1 on continuation", ext: "permessage-deflate", opts: []ws.Option{ws.WithCompression()},
			run: func(c *wireConn) {
				p := deflateMessage(c.t, []byte("hello, hello, hello"))
				c.send(wRsv1|wText, p[:2])
				c.send(wFin|wRsv1|wCont, p[2:])
			},
			close: 1002,
		},
	}
	runProto(t, cases)
}

// 3. Reserved opcodes (Autobahn 4.x).
func TestProtocolReservedOpcodes(t *testing.T) {
	var cases []protoCase
	for _, op := range []byte{3, 4, 5, 6, 7, 11, 12, 13, 14, 15} {
		cases = append(cases,
			protoCase{name: fmt.Sprintf("opcode %d", op), run: func(c *wireConn) { c.send(wFin|op, nil) }, close: 1002},
			protoCase{name: fmt.Sprintf("opcode %d with payload after an echo", op), run: func(c *wireConn) {
				c.send(wFin|wText, []byte("hello"))
				c.send(wFin|op, []byte("reserved"))
				c.send(wFin|wPing, []byte("not answered"))
				c.expect(wText, []byte("hello"))
			}, close: 1002},
		)
	}
	runProto(t, cases)
}

// 4. Control frames (Autobahn 2.x, 5.x).
func TestProtocolControlFrames(t *testing.T) {
	cases := []protoCase{
		{name: "empty ping", run: func(c *wireConn) {
			c.send(wFin|wPing, nil)
			c.expect(wPong, nil)
		}},
		{name: "ping with text payload", run: func(c *wireConn) {
			c.send(wFin|wPing, []byte("hello"))
			c.expect(wPong, []byte("hello"))
		}},
		{name: "ping with binary payload", run: func(c *wireConn) {
			p := []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}
			c.send(wFin|wPing, p)
			c.expect(wPong, p)
		}},
		{name: "ping with 125 bytes", run: func(c *wireConn) {
			p := pattern(125, false)
			c.send(wFin|wPing, p)
			c.expect(wPong, p)
		}},
		{name: "ping with 126 bytes", run: func(c *wireConn) { c.send(wFin|wPing, pattern(126, false)) }, close: 1002},
		{name: "pong with 126 bytes", run: func(c *wireConn) { c.send(wFin|wPong, pattern(126, false)) }, close: 1002},
		{name: "fragmented ping", run: func(c *wireConn) {
			c.send(wPing, []byte("fragment"))
			c.send(wFin|wCont, []byte("ed"))
		}, close: 1002},
		{name: "fragmented pong", run: func(c *wireConn) { c.send(wPong, []byte("x")) }, close: 1002},
		{name: "ten pings answered in order, the last one always", run: func(c *wireConn) {
			var b []byte
			var pings [][]byte
			for i := range 10 {
				pings = append(pings, fmt.Appendf(nil, "ping %d", i))
				b = append(b, c.encodeFrame(wFin|wPing, pings[i], false)...)
			}
			c.writeRaw(b)
			expectPongs(c, pings)
		}},
		{name: "unsolicited pong ignored", run: func(c *wireConn) {
			c.send(wFin|wPong, []byte("unsolicited"))
			c.send(wFin|wText, []byte("still here"))
			c.expect(wText, []byte("still here"))
		}},
		{name: "unsolicited empty pong then ping", run: func(c *wireConn) {
			c.send(wFin|wPong, nil)
			c.send(wFin|wPing, []byte("after"))
			c.expect(wPong, []byte("after"))
		}},
		{name: "ping inside a fragmented message", run: func(c *wireConn) {
			c.send(wText, []byte("frag"))
			c.send(wFin|wPing, []byte("in the middle"))
			c.expect(wPong, []byte("in the middle"))
			c.send(wCont, []byte("men"))
			c.send(wFin|wCont, []byte("ted"))
			c.expect(wText, []byte("fragmented"))
		}},
		{name: "ping and pong between every fragment", run: func(c *wireConn) {
			c.send(wBin, []byte{1})
			c.send(wFin|wPong, []byte("x"))
			c.send(wFin|wPing, []byte("1"))
			c.send(wCont, []byte{2})
			c.send(wFin|wPing, []byte("2"))
			c.send(wFin|wCont, []byte{3})
			expectPongs(c, [][]byte{[]byte("1"), []byte("2")})
			c.expect(wBin, []byte{1, 2, 3})
		}},
	}
	runProto(t, cases)
}

// 5. Fragmentation (Autobahn 5.x).
func TestProtocolFragmentation(t *testing.T) {
	fragments := func(op byte, parts ...[]byte) func(c *wireConn) {
		return func(c *wireConn) {
			var whole []byte
			for i, p := range parts {
				b0 := wCont
				if i == 0 {
					b0 = op
				}
				if i == len(parts)-1 {
					b0 |= wFin
				}
				c.send(b0, p)
				whole = append(whole, p...)
			}
			c.expect(op, whole)
		}
	}
	many := make([][]byte, 100)
	for i := range many {
		many[i] = []byte{byte('a' + i%26)}
	}
	cases := []protoCase{
		{name: "text in 1 fragment", run: fragments(wText, []byte("whole"))},
		{name: "text in 2 fragments", run: fragments(wText, []byte("frag"), []byte("ment"))},
		{name: "text in 100 fragments", run: fragments(wText, many...)},
		{name: "binary in 3 fragments", run: fragments(wBin, []byte{0}, []byte{0xff, 0xfe}, []byte{1})},
		{name: "empty fragments", run: fragments(wText, nil, []byte("x"), nil, nil)},
		{name: "all fragments empty", run: fragments(wText, nil, nil, nil)},
		{name: "large fragments (64 KiB each)", run: fragments(wBin, pattern(65536, false), pattern(65536, false), pattern(100, false))},
		{name: "two fragmented messages in a row", run: func(c *wireConn) {
			fragments(wText, []byte("one"), []byte("-1"))(c)
			fragments(wBin, []byte("two"), []byte("-2"))(c)
		}},
		{name: "continuation without a start", run: func(c *wireConn) { c.send(wFin|wCont, []byte("x")) }, close: 1002},
		{name: "non-final continuation without a start", run: func(c *wireConn) { c.send(wCont, []byte("x")) }, close: 1002},
		{name: "continuation after a final frame", run: func(c *wireConn) {
			c.send(wFin|wText, []byte("done"))
			c.expect(wText, []byte("done"))
			c.send(wFin|wCont, []byte("late"))
		}, close: 1002},
		{name: "new text frame inside a fragmented message", run: func(c *wireConn) {
			c.send(wText, []byte("a"))
			c.send(wFin|wText, []byte("b"))
		}, close: 1002},
		{name: "new binary frame inside a fragmented text message", run: func(c *wireConn) {
			c.send(wText, []byte("a"))
			c.send(wBin, []byte("b"))
		}, close: 1002},
	}
	runProto(t, cases)
}

// 6. UTF-8 handling (Autobahn 6.x).
func TestProtocolUTF8(t *testing.T) {
	valid := map[string][]byte{
		"greek":          []byte("κόσμε"),
		"4-byte G clef":  []byte("𝄞"),
		"mixed":          []byte("Hello-µ@ßöäüàá-UTF-8!! 𝄞 €"),
		"U+007F":         {0x7f},
		"U+0080":         {0xc2, 0x80},
		"U+07FF":         {0xdf, 0xbf},
		"U+0800":         {0xe0, 0xa0, 0x80},
		"U+D7FF":         {0xed, 0x9f, 0xbf},
		"U+E000":         {0xee, 0x80, 0x80},
		"U+FFFD":         {0xef, 0xbf, 0xbd},
		"U+FFFF":         {0xef, 0xbf, 0xbf},
		"U+10000":        {0xf0, 0x90, 0x80, 0x80},
		"U+10FFFF":       {0xf4, 0x8f, 0xbf, 0xbf},
		"NUL":            {0},
		"empty":          {},
		"many 4-byte":    bytes.Repeat([]byte("🙂"), 1000),
		"BOM first":      []byte("\ufeffBOM"),
		"noncharacter":   {0xef, 0xb7, 0x90}, // U+FDD0 is valid UTF-8
		"private use 15": {0xf3, 0xb0, 0x80, 0x80},
	}
	invalid := map[string][]byte{
		"overlong slash 2 bytes":   {0xc0, 0xaf},
		"overlong slash 3 bytes":   {0xe0, 0x80, 0xaf},
		"overlong slash 4 bytes":   {0xf0, 0x80, 0x80, 0xaf},
		"overlong NUL":             {0xc0, 0x80},
		"overlong max 2 bytes":     {0xc1, 0xbf},
		"surrogate U+D800":         {0xed, 0xa0, 0x80},
		"surrogate U+DFFF":         {0xed, 0xbf, 0xbf},
		"surrogate pair":           {0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80},
		"truncated at end 2 of 3":  {'a', 0xe2, 0x82},
		"truncated at end 1 of 4":  {'a', 0xf0},
		"truncated at end 3 of 4":  {'a', 0xf0, 0x9d, 0x84},
		"lone continuation":        {'a', 0x80, 'b'},
		"0xFF":                     {0xff},
		"0xFE":                     {0xfe},
		"0xFF inside valid text":   []byte("κόσμε\xffκόσμε"),
		"above U+10FFFF":           {0xf4, 0x90, 0x80, 0x80},
		"5-byte sequence":          {0xf8, 0x88, 0x80, 0x80, 0x80},
		"6-byte sequence":          {0xfc, 0x84, 0x80, 0x80, 0x80, 0x80},
		"start byte then ASCII":    {0xc2, 'a'},
		"invalid after 64 KiB ok":  append(pattern(65536, true), 0xff),
		"invalid in large message": append(append(pattern(70000, true), 0xed, 0xa0, 0x80), pattern(100, true)...),
	}
	var cases []protoCase
	for _, name := range sortedKeys(valid) {
		p := valid[name]
		cases = append(cases,
			protoCase{name: "valid " + name, run: func(c *wireConn) {
				c.send(wFin|wText, p)
				c.expect(wText, p)
			}},
			protoCase{name: "valid " + name + " split at every byte", run: func(c *wireConn) {
				p := p // the unsplit case reads the same slice in parallel
				if len(p) > 64 {
					p = p[:64]
				}
				if len(p) == 0 {
					c.send(wFin|wText, nil)
					c.expect(wText, nil)
					return
				}
				for i := range p {
					b0 := wCont
					if i == 0 {
						b0 = wText
					}
					if i == len(p)-1 {
						b0 |= wFin
					}
					c.send(b0, p[i:i+1])
				}
				c.expect(wText, p)
			}},
		)
	}
	for _, name := range sortedKeys(invalid) {
		p := invalid[name]
		cases = append(cases,
			protoCase{name: "invalid " + name, run: func(c *wireConn) { c.send(wFin|wText, p) }, close: 1007},
			protoCase{name: "invalid " + name + " in binary is echoed", run: func(c *wireConn) {
				c.send(wFin|wBin, p)
				c.expect(wBin, p)
			}},
		)
	}
	cases = append(cases,
		protoCase{name: "invalid sequence split across fragments", run: func(c *wireConn) {
			c.send(wText, []byte{'o', 'k', 0xed})
			c.send(wFin|wCont, []byte{0xa0, 0x80})
		}, close: 1007},
		protoCase{name: "invalid first fragment, valid rest", run: func(c *wireConn) {
			// The whole message is validated when it completes: the 1007
			// comes after the last fragment (Autobahn's non-strict,
			// not fail-fast, behaviour).
			c.send(wText, []byte{0xff})
			c.send(wCont, []byte("more"))
			c.send(wFin|wCont, []byte("end"))
		}, close: 1007},
		protoCase{name: "data after the server's 1007 is discarded", run: func(c *wireConn) {
			c.send(wFin|wText, []byte{0xff})
		}, close: 1007, afterClose: func(c *wireConn) {
			// Sent after the server's close frame: it must not be echoed
			// (expectEOF fails on any frame).
			c.send(wFin|wText, []byte("ignored"))
			c.send(wFin|wPing, []byte("ignored"))
		}},
		protoCase{name: "truncated sequence in the last fragment", run: func(c *wireConn) {
			c.send(wText, []byte("κόσμε"))
			c.send(wFin|wCont, []byte{0xce})
		}, close: 1007},
		protoCase{name: "valid 4-byte sequence split over 4 fragments", run: func(c *wireConn) {
			c.send(wText, []byte{0xf0})
			c.send(wCont, []byte{0x9d})
			c.send(wCont, []byte{0x84})
			c.send(wFin|wCont, []byte{0x9e})
			c.expect(wText, []byte("𝄞"))
		}},
		protoCase{name: "deflate: valid text compressed", ext: "permessage-deflate", opts: []ws.Option{ws.WithCompression()},
			run: func(c *wireConn) {
				p := []byte(strings.Repeat("κόσμε 𝄞 ", 200))
				c.sendCompressed(wText, p, 0)
				c.expect(wText, p)
			}},
		protoCase{name: "deflate: invalid text compressed", ext: "permessage-deflate", opts: []ws.Option{ws.WithCompression()},
			run: func(c *wireConn) {
				c.sendCompressed(wText, append([]byte(strings.Repeat("κόσμε ", 200)), 0xed, 0xa0, 0x80), 0)
			}, close: 1007},
		protoCase{name: "deflate: invalid text compressed in fragments", ext: "permessage-deflate", opts: []ws.Option{ws.WithCompression()},
			run: func(c *wireConn) {
				c.sendCompressed(wText, append([]byte(strings.Repeat("κόσμε ", 200)), 0xff), 5)
			}, close: 1007},
	)
	runProto(t, cases)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// 7. Close handling (Autobahn 7.x).
func TestProtocolClose(t *testing.T) {
	var cases []protoCase
	for _, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		cases = append(cases, protoCase{
			name:  fmt.Sprintf("close %d echoed", code),
			run:   func(c *wireConn) { c.send(wFin|wClose, closePayloadOf(code, "bye")) },
			close: code,
		})
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		cases = append(cases, protoCase{
			name:  fmt.Sprintf("invalid close code %d", code),
			run:   func(c *wireConn) { c.send(wFin|wClose, closePayloadOf(code, "")) },
			close: 1002,
		})
	}
	cases = append(cases,
		protoCase{
			// gorilla reads a close body shorter than 2 bytes as "no
			// status" and answers with an empty close.
			name:  "close with a 1-byte payload",
			run:   func(c *wireConn) { c.send(wFin|wClose, []byte{0x03}) },
			close: 1002,
		},
		protoCase{
			// gorilla fails the connection with 1002; Autobahn 7.5.1
			// accepts failing it (1007 would fit the close-code table too).
			name:   "close reason not UTF-8",
			run:    func(c *wireConn) { c.send(wFin|wClose, append(closePayloadOf(1000, "ok"), 0xce, 0xba, 0xe1, 0xbd)) },
			close:  1002,
			alsoOK: []int{1007},
		},
		protoCase{
			// An empty close is answered with an empty close (1005 is never
			// sent on the wire); 1000 would be as good.
			name:   "close empty",
			run:    func(c *wireConn) { c.send(wFin|wClose, nil) },
			close:  1005,
			alsoOK: []int{1000},
		},
		protoCase{name: "close with a 123-byte reason", run: func(c *wireConn) {
			c.send(wFin|wClose, closePayloadOf(1000, strings.Repeat("r", 123)))
		}, close: 1000},
		protoCase{name: "close with a 124-byte reason (126-byte payload)", run: func(c *wireConn) {
			c.send(wFin|wClose, closePayloadOf(1000, strings.Repeat("r", 124)))
		}, close: 1002},
		protoCase{name: "close fragmented", run: func(c *wireConn) {
			c.send(wClose, closePayloadOf(1000, ""))
		}, close: 1002},
		protoCase{name: "close data after close ignored", run: func(c *wireConn) {
			var b []byte
			b = append(b, c.encodeFrame(wFin|wClose, closePayloadOf(1000, ""), false)...)
			b = append(b, c.encodeFrame(wFin|wText, []byte("ignored"), false)...)
			b = append(b, c.encodeFrame(wFin|wPing, []byte("ignored"), false)...)
			b = append(b, c.encodeFrame(wFin|wClose, closePayloadOf(1001, ""), false)...)
			c.writeRaw(b)
		}, close: 1000},
		protoCase{name: "close in the middle of a fragmented message", run: func(c *wireConn) {
			c.send(wText, []byte("never "))
			c.send(wFin|wClose, closePayloadOf(1000, ""))
			c.send(wFin|wCont, []byte("finished"))
		}, close: 1000},
		protoCase{name: "close after a message", run: func(c *wireConn) {
			c.send(wFin|wText, []byte("last"))
			c.expect(wText, []byte("last"))
			c.send(wFin|wClose, closePayloadOf(3001, "done"))
		}, close: 3001},
		protoCase{name: "close answer carries the reason's code only once", run: func(c *wireConn) {
			c.send(wFin|wClose, closePayloadOf(4000, strings.Repeat("é", 61)))
		}, close: 4000},
	)
	for i := range cases {
		cases[i].closes = true // every case here sends a close frame
	}
	runProto(t, cases)
}

// 8. Limits (Autobahn 9.x and 12.x/13.x with compression).
func TestProtocolLimits(t *testing.T) {
	const limit = 64 << 10
	lim := ws.WithReadLimit(limit)
	deflate := []ws.Option{lim, ws.WithCompression()}
	cases := []protoCase{
		{name: "message of exactly the limit", opts: []ws.Option{lim}, run: func(c *wireConn) {
			p := pattern(limit, false)
			c.send(wFin|wBin, p)
			c.expect(wBin, p)
		}},
		{name: "message one byte over the limit", opts: []ws.Option{lim}, run: func(c *wireConn) {
			c.send(wFin|wBin, pattern(limit+1, false))
		}, close: 1009},
		{name: "1 GiB announced, a few KiB sent", opts: []ws.Option{lim}, run: func(c *wireConn) {
			// The server must close at once from the header, not wait for
			// (or buffer) the rest: the client sends nothing more and the
			// close must come within the read deadline.
			b := appendWireHeader(nil, wFin|wBin, 1<<30, []byte{1, 2, 3, 4})
			c.writeRaw(append(b, pattern(4<<10, false)...))
		}, close: 1009},
		{name: "fragments adding up past the limit", opts: []ws.Option{lim}, run: func(c *wireConn) {
			for i := range limit / (16 << 10) {
				op := wCont
				if i == 0 {
					op = wBin
				}
				c.send(op, pattern(16<<10, false))
			}
			// This fragment passes the limit: announced, not sent.
			c.writeRaw(appendWireHeader(nil, wFin|wCont, 1<<30, []byte{1, 2, 3, 4}))
		}, close: 1009},
		{name: "default limit is 1 MiB", run: func(c *wireConn) {
			c.writeRaw(appendWireHeader(nil, wFin|wText, ws.DefaultReadLimit+1, []byte{1, 2, 3, 4}))
		}, close: 1009},
		{name: "deflate: compressed echo", ext: "permessage-deflate", opts: deflate, run: func(c *wireConn) {
			p := bytes.Repeat([]byte("compress me "), 1000)
			c.sendCompressed(wText, p, 0)
			c.expect(wText, p)
		}},
		{name: "deflate: inflates to exactly the limit", ext: "permessage-deflate", opts: deflate, run: func(c *wireConn) {
			p := make([]byte, limit)
			c.sendCompressed(wBin, p, 0)
			c.expect(wBin, p)
		}},
		{name: "deflate: inflates one byte past the limit", ext: "permessage-deflate", opts: deflate, run: func(c *wireConn) {
			c.sendCompressed(wBin, make([]byte, limit+1), 0)
		}, close: 1009},
		{name: "deflate: bomb of 16 MiB in one frame", ext: "permessage-deflate", opts: deflate, run: func(c *wireConn) {
			c.send(wFin|wRsv1|wBin, deflateZeros(c.t, 16))
		}, close: 1009},
		{name: "deflate: bomb of 16 MiB in fragments", ext: "permessage-deflate", opts: deflate, run: func(c *wireConn) {
			p := deflateZeros(c.t, 16) // NUL bytes: valid UTF-8
			c.send(wRsv1|wText, p[:512])
			for p = p[512:]; len(p) > 512; p = p[512:] {
				c.send(wCont, p[:512])
			}
			c.send(wFin|wCont, p)
		}, close: 1009},
		{name: "deflate: 1 GiB compressed frame announced", ext: "permessage-deflate", opts: deflate, run: func(c *wireConn) {
			b := appendWireHeader(nil, wFin|wRsv1|wBin, 1<<30, []byte{1, 2, 3, 4})
			c.writeRaw(append(b, pattern(4<<10, false)...))
		}, close: 1009},
	}
	runProto(t, cases)
}

// TestProtocolDeflateBombMemory checks that the read limit bounds the
// memory an inflating message costs: a bomb that is under the limit on the
// wire (so that it is read and inflated, not refused from its header) but
// inflates to 56 MiB must not allocate anywhere near that.
func TestProtocolDeflateBombMemory(t *testing.T) {
	const limit = 64 << 10
	ended := make(chan error, 1)
	s, _ := serve(t, func(c *ws.Conn) error {
		err := echo(c)
		ended <- err
		return err
	}, append(protoDefaults(), ws.WithReadLimit(limit), ws.WithCompression())...)
	c := dialWire(t, s.URL, "/ws", "permessage-deflate")
	if !c.deflate {
		t.Fatalf("permessage-deflate not negotiated (%q)", c.extResp)
	}
	p := deflateZeros(t, 56)
	if len(p) >= limit {
		t.Fatalf("the bomb is %d bytes on the wire, not under the %d-byte limit", len(p), limit)
	}
	frame := c.encodeFrame(wFin|wRsv1|wBin, p, false)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c.writeRaw(frame)
	got := c.readClose()
	if got.code != 1009 {
		t.Fatalf("got close %d %q (%v), want 1009", got.code, got.reason, got.err)
	}
	c.send(wFin|wClose, closePayloadOf(1009, ""))
	c.expectEOF()
	select {
	case err := <-ended:
		if ws.CloseStatus(err) != 1009 {
			t.Fatalf("handler saw %v", err)
		}
	case <-time.After(2 * wireTimeout):
		t.Fatal("the handler did not see the connection end")
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Fatalf("a %d-byte compressed message allocated %d MiB", len(p), alloc>>20)
	} else {
		t.Logf("a %d KiB bomb inflating to 56 MiB allocated %d KiB in the process", len(p)>>10, alloc>>10)
	}
}

// deflateZeros returns a permessage-deflate payload that inflates to mib
// MiB of zero bytes, cheaply: the flushed blocks compressing 1 MiB are
// repeated (each copy only refers back within itself).
func deflateZeros(t testing.TB, mib int) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	two := bytes.Repeat(buf.Bytes(), 2)
	if got, err := inflateMessage(two[:len(two)-4]); err != nil || len(got) != 2<<20 {
		t.Fatalf("two copies inflate to %d bytes (%v), want 2 MiB", len(got), err)
	}
	p := bytes.Repeat(buf.Bytes(), mib)
	return p[:len(p)-4]
}

// 9. Masking (RFC 6455 5.1).
func TestProtocolMasking(t *testing.T) {
	cases := []protoCase{
		{name: "unmasked text", run: func(c *wireConn) { c.sendUnmasked(wFin|wText, []byte("x")) }, close: 1002},
		{name: "unmasked empty binary", run: func(c *wireConn) { c.sendUnmasked(wFin|wBin, nil) }, close: 1002},
		{name: "unmasked ping", run: func(c *wireConn) { c.sendUnmasked(wFin|wPing, []byte("p")) }, close: 1002},
		{name: "unmasked close", run: func(c *wireConn) { c.sendUnmasked(wFin|wClose, closePayloadOf(1000, "")) }, close: 1002},
		{name: "unmasked continuation", run: func(c *wireConn) {
			c.send(wText, []byte("masked "))
			c.sendUnmasked(wFin|wCont, []byte("unmasked"))
		}, close: 1002},
		{name: "all-zero masking key is a mask", run: func(c *wireConn) {
			c.writeRaw(append(appendWireHeader(nil, wFin|wText, 4, []byte{0, 0, 0, 0}), "zero"...))
			c.expect(wText, []byte("zero"))
		}},
	}
	runProto(t, cases)
}

// TestProtocolCloseAfterPartialWrite checks that the close frame ws (or
// gorilla) writes on a protocol error is not written into the middle of an
// echo that the socket has only partly taken: the client must read the whole
// echo, then the close frame.
func TestProtocolCloseAfterPartialWrite(t *testing.T) {
	small := []nexotest.ServerOption{nexotest.WithSendBuffer(4096)}
	big := pattern(512<<10, false)
	cases := []protoCase{
		{name: "protocol error behind a large echo", sopts: small, run: func(c *wireConn) {
			b := c.encodeFrame(wFin|wBin, big, false)
			b = append(b, c.encodeFrame(wFin|5, nil, false)...)
			c.writeRaw(b)
			c.expect(wBin, big)
		}, close: 1002},
		{name: "frame over the limit behind a large echo", sopts: small, opts: []ws.Option{ws.WithReadLimit(600 << 10)}, run: func(c *wireConn) {
			b := c.encodeFrame(wFin|wBin, big, false)
			b = append(b, appendWireHeader(nil, wFin|wBin, 1<<30, []byte{1, 2, 3, 4})...)
			c.writeRaw(b)
			c.expect(wBin, big)
		}, close: 1009},
		{name: "invalid UTF-8 behind a large echo", sopts: small, run: func(c *wireConn) {
			b := c.encodeFrame(wFin|wBin, big, false)
			b = append(b, c.encodeFrame(wFin|wText, []byte{0xff}, false)...)
			c.writeRaw(b)
			c.expect(wBin, big)
		}, close: 1007},
		{name: "ping behind a large echo", sopts: small, run: func(c *wireConn) {
			b := c.encodeFrame(wFin|wBin, big, false)
			b = append(b, c.encodeFrame(wFin|wPing, []byte("p"), false)...)
			c.writeRaw(b)
			// The pong may overtake the echo (control frames go first) but
			// must not cut into it.
			op, data, _ := c.readMessage()
			if op == wPong {
				c.expect(wBin, big)
			} else if op != wBin || !bytes.Equal(data, big) {
				c.fatalf("got op %d with %d bytes", op, len(data))
			} else {
				c.expect(wPong, []byte("p"))
			}
		}},
	}
	runProto(t, cases)
}
