package ws_test

import (
	"strings"
	"testing"

	"github.com/nexogo/nexo/ws"
)

// BenchmarkFanOutCompressed sends one 4 KiB compressible message to 100
// connections that negotiated permessage-deflate, per op: a message made
// by NewCompressedMessage, compressed once for all of them, against
// SendText, compressed once per connection. Compare ns/op and B/op.
func BenchmarkFanOutCompressed(b *testing.B) {
	payload := strings.Repeat("compressible text, ", 4<<10/20)
	for _, mode := range []string{"prepared", "sendtext"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			runFanOut(b, 100, true, 64, func(conns []*ws.Conn) {
				if mode == "prepared" {
					pm := ws.NewCompressedMessage(ws.TextMessage, []byte(payload))
					for _, c := range conns {
						c.SendPrepared(pm)
					}
					return
				}
				for _, c := range conns {
					c.SendText(payload)
				}
			})
		})
	}
}
