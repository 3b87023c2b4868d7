package channels

import (
	"testing"
	"unsafe"
)

// TestChannelSize: a group member holds a Channel for the life of its
// connection; 176 bytes is its size class (the next is 192).
func TestChannelSize(t *testing.T) {
	if n := unsafe.Sizeof(Channel{}); n > 176 {
		t.Errorf("Channel is %d bytes, want at most 176", n)
	}
}
