package ws

import (
	"testing"
	"unsafe"
)

// TestSendPathLayout guards the layout a fan-out relies on: a send to one
// of thousands of connections should touch as few cache lines of it as
// possible, so what every send reads sits in the Conn's first 64 bytes
// and what it writes in the next 64 (the writer's head).
func TestSendPathLayout(t *testing.T) {
	var c Conn
	w := &c.w
	read := map[string]uintptr{
		"state":    unsafe.Offsetof(c.state) + unsafe.Sizeof(c.state),
		"compress": unsafe.Offsetof(c.compress) + unsafe.Sizeof(c.compress),
		"srv":      unsafe.Offsetof(c.srv) + unsafe.Sizeof(c.srv),
		"cfg":      unsafe.Offsetof(c.cfg) + unsafe.Sizeof(c.cfg),
		"gate":     unsafe.Offsetof(c.gate) + unsafe.Sizeof(c.gate),
	}
	for name, end := range read {
		if end > 64 {
			t.Errorf("Conn.%s ends at byte %d, past the first cache line", name, end)
		}
	}
	if off := unsafe.Offsetof(c.w); off != 64 {
		t.Errorf("Conn.w starts at byte %d, want 64", off)
	}
	written := map[string]uintptr{
		"mu":        unsafe.Offsetof(w.mu) + unsafe.Sizeof(w.mu),
		"queue":     unsafe.Offsetof(w.queue) + unsafe.Sizeof(w.queue),
		"queued":    unsafe.Offsetof(w.queued) + unsafe.Sizeof(w.queued),
		"msgsOut":   unsafe.Offsetof(w.msgsOut) + unsafe.Sizeof(w.msgsOut),
		"bytesOut":  unsafe.Offsetof(w.bytesOut) + unsafe.Sizeof(w.bytesOut),
		"flushing":  unsafe.Offsetof(w.flushing) + unsafe.Sizeof(w.flushing),
		"closing":   unsafe.Offsetof(w.closing) + unsafe.Sizeof(w.closing),
		"failed":    unsafe.Offsetof(w.failed) + unsafe.Sizeof(w.failed),
		"upgrading": unsafe.Offsetof(w.upgrading) + unsafe.Sizeof(w.upgrading),
	}
	for name, end := range written {
		if end > 64 {
			t.Errorf("writer.%s ends at byte %d of the writer, past its first cache line", name, end)
		}
	}
	// A Conn's size must stay a multiple of 64 for its allocations to
	// start on a cache line (the size classes from 576 bytes up are).
	if size := unsafe.Sizeof(c); size%64 != 0 {
		t.Logf("Conn is %d bytes, not a multiple of 64: its allocation class decides its alignment", size)
	}
}

// TestFrameSize guards the size of a queued frame, which a fan-out writes
// once per delivery.
func TestFrameSize(t *testing.T) {
	if size := unsafe.Sizeof(frame{}); size > 24 {
		t.Errorf("frame is %d bytes, want at most 24", size)
	}
}
