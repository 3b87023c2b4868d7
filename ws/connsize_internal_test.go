package ws

import (
	"testing"
	"unsafe"
)

// TestConnSize: every connection holds a Conn for its whole life, and an
// object over 512 bytes carries an 8-byte allocation header and takes the
// next size class: 513 bytes cost 576, 569 cost 640. A field added to Conn
// that passes 512 costs every idle connection 64 bytes or more; keep rare
// state behind a pointer (as pending, limitTimers and bgReader are).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 512 {
		t.Errorf("Conn is %d bytes, want at most 512", n)
	}
}
