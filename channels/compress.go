package channels

import "github.com/nexogo/nexo/ws"

// Compress asks for the published message to be compressed for the
// subscribers whose connection negotiated permessage-deflate (Xyra's
// publish(topic, msg, compress=True)); the others receive it as it is. It
// is compressed once per instance, whatever the number of subscribers.
// A group send takes it too (g.Send(v, channels.Compress())): compressed
// once per payload type, not once per member.
// Routes that compress every message (ws.WithCompression) do so anyway;
// with ws.WithCompressionOnRequest only the messages that ask are.
func Compress() PublishOption { return func(c *publishConfig) { c.compress = true } }

// applyCompress marks m for compression when the Compress option was given.
func (c publishConfig) applyCompress(m *Message) {
	if c.compress {
		m.Compress = true
	}
}

// compressed reports whether opts hold Compress.
func compressed(opts []PublishOption) bool {
	var c publishConfig
	for _, o := range opts {
		o(&c)
	}
	return c.compress
}

// prepare frames data once, asking for compression when compress is set.
func prepare(typ ws.MessageType, data []byte, compress bool) *ws.PreparedMessage {
	if compress {
		return ws.NewCompressedMessage(typ, data)
	}
	return ws.NewPreparedMessage(typ, data)
}
