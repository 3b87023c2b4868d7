package channels_test

import (
	"bytes"
	"testing"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/ws"
)

// FuzzDecodeMessage: arbitrary bytes from a broker never panic, and every
// message survives an encode/decode round trip.
func FuzzDecodeMessage(f *testing.F) {
	m, _ := channels.NewMessage("t", map[string]int{"a": 1})
	m.Exclude, m.To = "x", "y"
	f.Add(channels.EncodeMessage(m))
	f.Add([]byte{1, 2, 0, 0})
	f.Add([]byte{1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := channels.DecodeMessage("t", b)
		if err != nil {
			return
		}
		again, err := channels.DecodeMessage("t", channels.EncodeMessage(got))
		if err != nil || !bytes.Equal(again.Data, got.Data) || again.Type != got.Type ||
			again.Exclude != got.Exclude || again.To != got.To {
			t.Fatalf("round trip changed %+v into %+v (%v)", got, again, err)
		}
		if got.Type != ws.TextMessage && got.Type != ws.BinaryMessage {
			t.Fatalf("decoded type %v", got.Type)
		}
	})
}
