//go:build !unix

package ws

// writeNow is never called where raw socket access is missing: c.raw stays
// nil, so every frame goes through the flusher.
func (c *Conn) writeNow(f *frame) ([]byte, error) {
	panic("ws: writeNow without a raw socket")
}
