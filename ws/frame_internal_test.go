package ws

import (
	"encoding/binary"
	"testing"
	"unicode/utf8"
)

// FuzzClosePayload: any code and reason give a close body that fits a
// control frame and keeps valid UTF-8.
func FuzzClosePayload(f *testing.F) {
	f.Add(1000, "bye")
	f.Add(4401, string(make([]byte, 300)))
	f.Add(1005, "")
	f.Add(1011, "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé")
	f.Fuzz(func(t *testing.T, code int, reason string) {
		if !utf8.ValidString(reason) {
			return
		}
		b := closePayload(code, reason)
		if len(b) > 125 {
			t.Fatalf("payload of %d bytes", len(b))
		}
		if code == CloseNoStatus || code <= 0 {
			if len(b) != 0 {
				t.Fatalf("code %d sent a body", code)
			}
			return
		}
		if int(binary.BigEndian.Uint16(b)) != code&0xffff || !utf8.Valid(b[2:]) {
			t.Fatalf("bad body %q", b)
		}
	})
}

func TestAppendHeader(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		h := appendHeader(nil, opText, n)
		var got int
		switch h[1] {
		case 126:
			got = int(binary.BigEndian.Uint16(h[2:]))
		case 127:
			got = int(binary.BigEndian.Uint64(h[2:]))
		default:
			got = int(h[1])
		}
		if h[0] != 0x81 || got != n || h[1]&0x80 != 0 {
			t.Fatalf("n=%d header %x", n, h)
		}
	}
}
