package channels_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// A channel leaves its groups and registries when the close starts (when
// c.Context() ends), not at teardown, which waits up to CloseTimeout (5 s
// by default) for a peer that never answers the close.
func TestChannelLeavesWhenCloseStarts(t *testing.T) {
	r := channels.NewRegistry()
	e, got := registryServer(t, r)
	_ = e.dial() // never reads, so never answers the close frame
	ch := recv(t, got)
	room := r.Group("room")
	if !room.Has(ch) {
		t.Fatal("not in the group")
	}
	ch.Close(ws.CloseNormal, "bye")
	<-ch.Conn().Context().Done()
	before := time.After(ws.DefaultCloseTimeout / 2) // teardown comes at DefaultCloseTimeout
	for room.Has(ch) || r.Len() != 0 {
		select {
		case <-before:
			t.Fatalf("still in the group (%v) and registry (%d) %v after the close started",
				room.Has(ch), r.Len(), ws.DefaultCloseTimeout/2)
		default:
			runtime.Gosched()
		}
	}
}
