package ws_test

// FuzzGateDifferential: the gate in front of gorilla's reader (gate.go)
// must change nothing a valid peer can observe. The fuzz input is decoded
// into a valid client frame stream (text and binary messages, fragmented
// or not, compressed or not, pings and pongs between and inside fragmented
// messages, a close frame at the end) and into the sizes of the writes it
// is cut into (1 byte to 64 KiB). The stream goes once to a nexo server,
// over a plain socket or TLS, and once to gorilla alone, reading the
// socket itself. The handlers must see the same messages and the same
// end; the clients the same close code, and pongs that answer the same
// pings in order, nexo's allowed to leave out a ping that a later one
// supersedes (RFC 6455, section 5.5.3) but never the last.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo/ws"
)

// fuzzSource hands out the fuzz input a byte at a time, zeros once it is
// used up, so that every input decodes to a program.
type fuzzSource struct{ b []byte }

func (s *fuzzSource) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	x := s.b[0]
	s.b = s.b[1:]
	return x
}

func (s *fuzzSource) intn(n int) int { return int(s.next()) % n }

// fuzzProgram is what one input decodes to.
type fuzzProgram struct {
	deflate bool
	tls     bool
	stream  []byte   // every client frame, the close frame last
	writes  []int    // sizes of the writes, used in turn
	pings   [][]byte // payloads of the pings, in order
	tail    int      // how the stream ends
}

// How a program's stream ends: a valid close frame, or a frame that breaks
// RFC 6455. The gate refuses two that gorilla lets through (its documented
// stricter checks): a close frame with a 1-byte body, and a 64-bit length
// with its top bit set.
const (
	tailClose      = 3 // 0 to 3 and past 6: a valid close frame
	tailShortClose = 4
	tailTopBit     = 5
	tailProtocol   = 6 // a protocol error both find
)

// maxFuzzWrites bounds the writes one input makes; past it, writes are at
// least 4 KiB, so that a large message cut in bytes stays fast.
const maxFuzzWrites = 600

func decodeFuzzProgram(t testing.TB, input []byte) fuzzProgram {
	s := &fuzzSource{b: input}
	flags := s.next()
	p := fuzzProgram{deflate: flags&1 != 0, tls: flags&2 != 0}
	c := &wireConn{t: t, maskSeed: s.next()}
	for range 1 + s.intn(4) {
		sizes := []int{1, 2 + s.intn(15), 17 + s.intn(200), 1000 + s.intn(100), 4 << 10, 64 << 10}
		p.writes = append(p.writes, sizes[s.intn(len(sizes))])
	}
	control := func() {
		op := wPong
		payload := bytes.Repeat([]byte{s.next()}, s.intn(126))
		if s.next()&1 == 0 {
			op = wPing
			// Distinct payloads, so that each pong says which ping it answers.
			payload = append(fmt.Appendf(nil, "%d:", len(p.pings)), payload...)
			payload = payload[:min(len(payload), 125)]
			p.pings = append(p.pings, payload)
		}
		p.stream = append(p.stream, c.encodeFrame(wFin|op, payload, false)...)
	}
	for range s.intn(12) {
		if s.intn(3) == 0 {
			control()
			continue
		}
		op := wText
		if s.next()&1 != 0 {
			op = wBin
		}
		sizes := []int{0, 1 + s.intn(125), 126 + s.intn(300), 1000 + s.intn(40), 4000 + s.intn(200), 65530 + s.intn(20)}
		data := pattern(sizes[s.intn(len(sizes))], op == wText)
		if seed := s.next(); op == wBin {
			for i := range data {
				data[i] += seed
			}
		}
		payload, first := data, op
		if p.deflate && len(data) > 0 && s.next()&1 != 0 {
			payload, first = deflateMessage(t, data), op|wRsv1
		}
		frags := 1 + s.intn(4)
		for i := range frags {
			piece := payload[:len(payload)*(i+1)/frags][len(payload)*i/frags:]
			b0 := wCont
			if i == 0 {
				b0 = first
			}
			if i == frags-1 {
				b0 |= wFin
			}
			p.stream = append(p.stream, c.encodeFrame(b0, piece, false)...)
			if i < frags-1 {
				for range s.intn(3) {
					control()
				}
			}
		}
	}
	switch p.tail = s.intn(8); p.tail {
	case tailShortClose:
		p.stream = append(p.stream, c.encodeFrame(wFin|wClose, []byte{3}, false)...)
	case tailTopBit:
		b := binary.BigEndian.AppendUint64([]byte{wFin | wBin, 0x80 | 127}, 1<<63|uint64(s.next()))
		p.stream = append(p.stream, append(b, 1, 2, 3, 4, 'x')...)
	case tailProtocol:
		if p.deflate {
			// gorilla writes every frame with permessage-deflate, and
			// this close frame itself: a pong still queued on nexo's
			// writer then is dropped, where gorilla alone has sent it.
			p.tail = tailClose
			p.stream = append(p.stream, c.encodeFrame(wFin|wClose, nil, false)...)
			break
		}
		bad := [][]byte{
			c.encodeFrame(wFin|wText, []byte("x"), true),          // unmasked
			c.encodeFrame(wFin|0x3, []byte("x"), false),           // reserved opcode
			c.encodeFrame(wFin|wCont, []byte("x"), false),         // continuation without a start
			c.encodeFrame(wFin|wPing, pattern(126, false), false), // control frame over 125 bytes
			c.encodeFrame(wFin|wRsv2|wText, []byte("x"), false),   // RSV2
		}
		p.stream = append(p.stream, bad[s.intn(len(bad))]...)
	case 0:
		p.stream = append(p.stream, c.encodeFrame(wFin|wClose, nil, false)...)
	case 1:
		p.stream = append(p.stream, c.encodeFrame(wFin|wClose, closePayloadOf(1001, "away"), false)...)
	case 2:
		p.stream = append(p.stream, c.encodeFrame(wFin|wClose, closePayloadOf(4000+s.intn(999), "app"), false)...)
	default:
		p.tail = tailClose
		p.stream = append(p.stream, c.encodeFrame(wFin|wClose, closePayloadOf(1000, ""), false)...)
	}
	return p
}

// fuzzOutcome is what one side observed.
type fuzzOutcome struct {
	msgs  []ws.Message // the handler's messages
	end   int          // the close status the handler's read ended with
	pongs [][]byte     // the pongs the client read, in order
	close int          // the code of the server's close frame; -1: none
	other []wireFrame  // any other frame the client read
}

// fuzzSide is a server the program runs against, and what its handler saw
// of each connection.
type fuzzSide struct {
	*hostServer
	ended chan fuzzOutcome
}

// run writes the program's stream to the side in the program's writes,
// then reads until the server's close frame and the end of the socket.
func (p fuzzProgram) run(t testing.TB, side fuzzSide) fuzzOutcome {
	ext := ""
	if p.deflate {
		ext = "permessage-deflate"
	}
	c := side.wire(t, ext)
	if p.deflate && !c.deflate {
		t.Fatalf("permessage-deflate not negotiated (%q)", c.extResp)
	}
	rest := p.stream
	for i := 0; len(rest) > 0; i++ {
		n := p.writes[i%len(p.writes)]
		if i >= maxFuzzWrites {
			n = max(n, 4<<10)
		}
		n = min(n, len(rest))
		c.writeRaw(rest[:n])
		rest = rest[n:]
	}
	var out fuzzOutcome
	out.close = -1
	for {
		f, err := c.readFrame()
		if err != nil {
			if !peerGone(err) {
				t.Fatalf("reading the server's frames: %v", err)
			}
			break
		}
		switch f.op() {
		case wPong:
			out.pongs = append(out.pongs, f.payload)
		case wClose:
			out.close, _ = parseClose(f.payload)
		default:
			out.other = append(out.other, f)
		}
		if f.op() == wClose {
			if p.tail == tailTopBit || p.tail == tailProtocol {
				// The server closed first: answer, and end the stream,
				// which the server cannot parse past the bad frame.
				c.send(wFin|wClose, f.payload[:min(len(f.payload), 2)])
				closeWrite(c.nc)
			}
			c.expectEOF()
			break
		}
	}
	select {
	case got := <-side.ended:
		out.msgs, out.end = got.msgs, got.end
	case <-time.After(2 * wireTimeout):
		t.Fatal("the handler did not see the connection end")
	}
	return out
}

// nexoSide serves nexo behind its gate, over TLS when tr says so.
func nexoSide(tb testing.TB, tr transport) fuzzSide {
	ended := make(chan fuzzOutcome, 1)
	s := serveOverWith(tb, tr, 0, func(c *ws.Conn) error {
		var out fuzzOutcome
		for {
			m, err := c.Receive()
			if err != nil {
				out.end = ws.CloseStatus(err)
				ended <- out
				return err
			}
			out.msgs = append(out.msgs, m)
		}
	}, append(protoDefaults(), ws.WithCompression())...)
	return fuzzSide{s, ended}
}

// gorillaSide serves gorilla alone: it reads the socket itself and answers
// pings and the close frame with its default handlers.
func gorillaSide(tb testing.TB) fuzzSide {
	ended := make(chan fuzzOutcome, 1)
	up := websocket.Upgrader{EnableCompression: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadLimit(ws.DefaultReadLimit)
		var out fuzzOutcome
		for {
			typ, data, err := conn.ReadMessage()
			if err != nil {
				out.end = ws.CloseAbnormal
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					out.end = ce.Code
				}
				ended <- out
				return
			}
			out.msgs = append(out.msgs, ws.Message{Type: ws.MessageType(typ), Data: data})
		}
	})
	return fuzzSide{serveHTTP(tb, transport{}, 0, mux), ended}
}

// closeWrite ends the client's side of the stream, on a TCP or TLS
// connection.
func closeWrite(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// compareOutcomes fails t when nexo's outcome differs from gorilla's, but
// for the gate's stricter checks, where nexo must close with 1002.
func compareOutcomes(t testing.TB, p fuzzProgram, nexo, ref fuzzOutcome) {
	t.Helper()
	switch p.tail {
	case tailShortClose, tailTopBit, tailProtocol:
		want := map[int][2]int{tailShortClose: {1005, 1005}, tailTopBit: {-1, ws.CloseAbnormal}, tailProtocol: {1002, ws.CloseAbnormal}}[p.tail]
		if ref.close != want[0] || ref.end != want[1] {
			t.Fatalf("tail %d: gorilla closed with %d and its handler saw %d, want %d and %d", p.tail, ref.close, ref.end, want[0], want[1])
		}
		if nexo.close != ws.CloseProtocolError || nexo.end != ws.CloseProtocolError {
			t.Fatalf("tail %d: nexo closed with %d and its handler saw %d, want 1002", p.tail, nexo.close, nexo.end)
		}
		ref.close, ref.end = nexo.close, nexo.end
	}
	if !slices.EqualFunc(nexo.msgs, ref.msgs, func(a, b ws.Message) bool { return a.Type == b.Type && bytes.Equal(a.Data, b.Data) }) {
		t.Fatalf("handler messages differ: nexo %d, gorilla %d (%s)", len(nexo.msgs), len(ref.msgs), diffMessages(nexo.msgs, ref.msgs))
	}
	if nexo.end != ref.end || nexo.close != ref.close {
		t.Fatalf("end differs: nexo's handler %d, client saw %d; gorilla's handler %d, client saw %d", nexo.end, nexo.close, ref.end, ref.close)
	}
	if len(nexo.other)+len(ref.other) > 0 {
		t.Fatalf("unexpected frames: nexo %v, gorilla %v", nexo.other, ref.other)
	}
	if !slices.EqualFunc(ref.pongs, p.pings, bytes.Equal) {
		t.Fatalf("gorilla answered %d of %d pings", len(ref.pongs), len(p.pings))
	}
	next := 0
	for _, pong := range nexo.pongs {
		i := slices.IndexFunc(p.pings[next:], func(b []byte) bool { return bytes.Equal(b, pong) })
		if i < 0 {
			t.Fatalf("nexo's pong %.20q answers no ping after the last one answered", pong)
		}
		next += i + 1
	}
	if next != len(p.pings) {
		t.Fatalf("nexo left the last ping unanswered: %d pongs for %d pings", len(nexo.pongs), len(p.pings))
	}
}

func diffMessages(a, b []ws.Message) string {
	for i := range min(len(a), len(b)) {
		if a[i].Type != b[i].Type || !bytes.Equal(a[i].Data, b[i].Data) {
			return fmt.Sprintf("message %d: nexo type %d %d bytes, gorilla type %d %d bytes", i, a[i].Type, len(a[i].Data), b[i].Type, len(b[i].Data))
		}
	}
	return "one is a prefix of the other"
}

func FuzzGateDifferential(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 0, 5, 1, 0, 3, 4, 1, 0, 2, 0, 7, 1, 9, 0, 2})
	f.Add([]byte{1, 7, 1, 0, 4, 1, 1, 4, 1, 3, 1, 2, 1, 5, 9, 0, 1, 2, 3})
	f.Add([]byte{3, 9, 0, 3, 6, 2, 1, 5, 7, 3, 1, 5, 2, 0, 2, 125, 1, 1})
	f.Add([]byte{2, 3, 0, 4, 8, 0, 0, 3, 11, 2, 1, 3, 0, 2, 1, 3, 2, 10, 0, 2, 0, 5})
	sides := map[bool]fuzzSide{false: nexoSide(f, transport{"plain", false}), true: nexoSide(f, transport{"tls", true})}
	ref := gorillaSide(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		p := decodeFuzzProgram(t, input)
		nexo := p.run(t, sides[p.tls])
		compareOutcomes(t, p, nexo, p.run(t, ref))
	})
}
