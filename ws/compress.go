package ws

// NewCompressedMessage is NewPreparedMessage for a message that asks to be
// compressed: on connections that negotiated permessage-deflate it goes
// out compressed, under WithCompression and WithCompressionOnRequest alike
// (uWebSockets' publish(topic, msg, compress=true)); other connections
// get it uncompressed. It is compressed once, on its first write to such a
// connection, whatever the number of connections it is sent to.
func NewCompressedMessage(typ MessageType, data []byte) *PreparedMessage {
	pm := NewPreparedMessage(typ, data)
	pm.compress = true
	return pm
}

// PrepareCompressed is Prepare for a message that asks to be compressed
// (see NewCompressedMessage). A *PreparedMessage given to it is returned
// compressed as asked: itself when it already asks, a copy sharing its
// bytes otherwise.
func PrepareCompressed(v any) (*PreparedMessage, error) {
	pm, err := Prepare(v)
	if err != nil || pm.compress {
		return pm, err
	}
	if _, given := v.(*PreparedMessage); given {
		return &PreparedMessage{typ: pm.typ, data: pm.data, framed: pm.framed, compress: true}, nil
	}
	pm.compress = true
	return pm, nil
}

// Compressed reports whether the message asks to be compressed.
func (pm *PreparedMessage) Compressed() bool { return pm.compress }

// compressFrame reports whether f goes out compressed on c, a connection
// that negotiated permessage-deflate: every data frame unless c compresses
// on request only, then those of a message that asks.
func (c *Conn) compressFrame(f *frame) bool {
	return !c.cfg.CompressOnRequest || (f.kind == kindPrepared && f.prepared().compress)
}
